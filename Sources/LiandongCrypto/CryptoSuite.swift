import Foundation

/// The algorithms a federation signs and hashes with, fixed when its CA is made and recorded in
/// its manifest and in every change's header (`format`):
///
/// - `p256`: ECDSA P-256 signatures over SHA-256, SHA-256 for change IDs, body hashes, chain
///   links, certificate fingerprints and evidence files. Ed25519 keys sign in this suite too
///   (`ed25519` names a federation whose CA issues those by default): both are header format 1.
/// - `sm`: SM2 signatures (with SM3 and the distinguishing ID of GM/T 0009) and SM3 everywhere
///   SHA-256 is used above. Header format 2.
///
/// The TLS transport is not part of the suite: OpenSSL 3.0 cannot run TLS on SM2 keys, so every
/// node also holds a P-256 endpoint certificate (Deploy/README.md says which key signs what).
public enum CryptoSuite: String, Sendable, CaseIterable, Codable {
  case p256 = "p256"
  case ed25519 = "ed25519"
  case sm = "sm"

  /// The header format a change in this suite carries.
  public var headerFormat: UInt32 { self == .sm ? 2 : 1 }

  /// The hash of change IDs, body hashes, chain links, fingerprints and evidence files.
  public var digest: DigestAlgorithm { self == .sm ? .sm3 : .sha256 }

  /// The suite family a header format names: format 1 is p256 or ed25519 (the signer's key
  /// says which), format 2 is sm; nil for a format this build does not know.
  public init?(headerFormat: UInt32) {
    switch headerFormat {
    case 1: self = .p256
    case 2: self = .sm
    default: return nil
    }
  }

  /// The suite a key signs in.
  public init(signingKey algorithm: KeyAlgorithm) {
    switch algorithm {
    case .sm2: self = .sm
    case .ed25519: self = .ed25519
    default: self = .p256
    }
  }

  /// Whether a key of `algorithm` may sign a change of this suite's header format. SM2 signs
  /// only in `sm`, and `sm` only with SM2: a signature must never be checkable two ways.
  public func admits(_ algorithm: KeyAlgorithm) -> Bool {
    switch self {
    case .sm: algorithm == .sm2
    case .p256, .ed25519: algorithm == .ecdsaP256 || algorithm == .ed25519 || algorithm == .rsa
    }
  }

  /// Whether two suites share a header format (p256 and ed25519 do).
  public func sharesFormat(with other: CryptoSuite) -> Bool { headerFormat == other.headerFormat }
}
