import Foundation

/// The UUID of a domain object (subject, lead, ...). Random, so that nodes create objects
/// without asking anyone; sorted by bytes, so that folds are deterministic.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let bytes: Data

  public init() {
    let uuid = UUID().uuid
    bytes = withUnsafeBytes(of: uuid) { Data($0) }
  }

  public init?(bytes: Data) {
    guard bytes.count == 16 else { return nil }
    self.bytes = Data(bytes)
  }

  public init(_ text: String) throws {
    guard let uuid = UUID(uuidString: text) else { throw CoreError.invalidObjectID(text) }
    bytes = withUnsafeBytes(of: uuid.uuid) { Data($0) }
  }

  public var description: String {
    let uuid = bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) }
    return UUID(uuid: uuid).uuidString.lowercased()
  }

  public static func < (a: ObjectID, b: ObjectID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
