import Foundation
import LiandongCrypto

/// Makes this node's next change: the only place a header is serialized and signed.
public struct ChangeAuthor: Sendable {
  public let origin: NodeID
  public let key: PrivateKey
  public let certificateFingerprint: Data

  public init(origin: NodeID, key: PrivateKey, certificateFingerprint: Data) {
    self.origin = origin
    self.key = key
    self.certificateFingerprint = certificateFingerprint
  }

  /// Where this origin's chain stands: its last change, if any.
  public struct ChainTip: Sendable, Equatable {
    public var sequence: UInt64
    public var id: ChangeID
    public init(sequence: UInt64, id: ChangeID) {
      self.sequence = sequence
      self.id = id
    }
  }

  public func sign(
    body: ChangeBody, audience: Audience, after tip: ChainTip?, time: HLCTimestamp
  ) throws -> SignedChange {
    try sign(bodyBytes: WireCoding.encodeBody(body), audience: audience, after: tip, time: time)
  }

  /// Signs a change whose body is already encoded (`PreparedBody.bytes`).
  public func sign(
    bodyBytes: Data, audience: Audience, after tip: ChainTip?, time: HLCTimestamp
  ) throws -> SignedChange {
    let suite = CryptoSuite(signingKey: key.algorithm)
    let header = ChangeHeader(
      suite: suite, origin: origin, sequence: (tip?.sequence ?? 0) + 1, previous: tip?.id, time: time,
      audience: audience, bodySHA256: suite.digest.hash(bodyBytes), bodySize: UInt64(bodyBytes.count),
      signerSHA256: certificateFingerprint)
    let headerBytes = WireCoding.encodeHeader(header)
    return try SignedChange(headerBytes: headerBytes, signature: try key.sign(headerBytes), body: bodyBytes)
  }
}
