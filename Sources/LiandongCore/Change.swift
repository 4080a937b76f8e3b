import Foundation
import LiandongCrypto

/// A change's identity: the hash of its header bytes exactly as signed, under the change's suite
/// (SHA-256, or SM3 in an `sm` federation). The signature is not part of it (ECDSA and SM2
/// signatures are randomised); each header's `previous` links these identities.
public struct ChangeID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let bytes: Data

  public init?(bytes: Data) {
    guard bytes.count == 32 else { return nil }
    self.bytes = Data(bytes)
  }

  public init(hashing headerBytes: Data, with digest: DigestAlgorithm = .sha256) {
    bytes = digest.hash(headerBytes)
  }

  public var hex: String { bytes.hex }
  public var description: String { hex }
  /// The first 12 hex digits: enough to tell changes apart on a screen.
  public var short: String { String(hex.prefix(12)) }

  public static func < (a: ChangeID, b: ChangeID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

  /// A SHA-256 or SM3 hash is uniform already: its first eight bytes hash as well as all 32, and a sync
  /// hashes several IDs for every change it ingests, where hashing a `Data` costs far more.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
  }
}

/// The signed part of a change, decoded. Only ever built from bytes (or by `ChangeAuthor`), so
/// that the bytes, not this value, are what the signature covers.
public struct ChangeHeader: Hashable, Sendable {
  /// The header formats this build reads: 1 (suites p256 and ed25519), 2 (suite sm).
  public static let knownFormats = Set(CryptoSuite.allCases.map(\.headerFormat)).sorted()

  /// The suite the change is signed and hashed in, from its header's `format`.
  public var suite: CryptoSuite
  public var origin: NodeID
  public var sequence: UInt64
  public var previous: ChangeID?
  public var time: HLCTimestamp
  public var audience: Audience
  /// The body's hash under `suite` (the wire name says SHA-256, its only hash when it was named).
  public var bodySHA256: Data
  public var bodySize: UInt64
  /// The signer certificate's fingerprint under `suite`.
  public var signerSHA256: Data
}

/// A change as it travels and is stored: header bytes, signature, and the body unless this is a
/// stub (a node outside the audience receives the stub only, and can still verify the chain).
public struct SignedChange: Hashable, Sendable {
  public let headerBytes: Data
  public let signature: Data
  public let body: Data?
  public let header: ChangeHeader
  public let id: ChangeID

  /// Decodes and checks the header's shape; nothing about trust yet.
  public init(headerBytes: Data, signature: Data, body: Data?) throws(ChangeRefusal) {
    self.headerBytes = headerBytes
    self.signature = signature
    self.body = body
    self.header = try WireCoding.decodeHeader(headerBytes)
    self.id = ChangeID(hashing: headerBytes, with: header.suite.digest)
  }

  public var isStub: Bool { body == nil }

  /// The same change without its body: what a node outside the audience receives.
  public var stub: SignedChange {
    guard body != nil else { return self }
    return try! SignedChange(headerBytes: headerBytes, signature: signature, body: nil)
  }

  /// Body present: its size and hash match what the header promised.
  public func checkBody() throws(ChangeRefusal) {
    guard let body else { return }
    guard UInt64(body.count) == header.bodySize else {
      throw .bodySizeMismatch(change: id, expected: header.bodySize, actual: UInt64(body.count))
    }
    guard header.suite.digest.hash(body) == header.bodySHA256 else { throw .bodyHashMismatch(change: id) }
  }

  /// The signature covers the header bytes exactly as received, by a key of the header's suite.
  public func checkSignature(by certificate: Certificate) throws(ChangeRefusal) {
    guard certificate.fingerprint == header.signerSHA256 else {
      throw .unknownSigner(change: id, fingerprint: header.signerSHA256.hex)
    }
    guard let key = try? certificate.publicKey() else { throw .badSignature(change: id) }
    guard header.suite.admits(key.algorithm) else {
      throw .suiteMismatch(change: id, suite: header.suite, key: key.algorithm)
    }
    guard key.isValidSignature(signature, for: headerBytes) else { throw .badSignature(change: id) }
  }

  /// The decoded body; nil for a stub.
  public func decodedBody() -> ChangeBody? {
    guard let body else { return nil }
    return WireCoding.decodeBody(body)
  }
}

/// What a change says: who at the origin bureau made it, and its operations.
public struct ChangeBody: Hashable, Sendable {
  public var officer: String
  public var operations: [DomainOperation]

  public init(officer: String, operations: [DomainOperation]) {
    self.officer = officer
    self.operations = operations
  }
}
