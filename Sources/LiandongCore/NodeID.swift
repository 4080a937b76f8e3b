import LiandongCrypto

/// A node's identity: one per region or bureau (`jjj`, `yrd`, `prd`, or a GB/T 2260 code such as
/// `310000`). It is what a certificate's SAN URI `urn:liandong:node:<id>` names.
public struct NodeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
  public let rawValue: String

  public init(_ text: String) throws {
    guard NodeIdentifierSyntax.isValid(text) else { throw CoreError.invalidNodeID(text) }
    rawValue = text
  }

  public var description: String { rawValue }
  public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }

  public init(from decoder: Decoder) throws {
    try self.init(try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}
