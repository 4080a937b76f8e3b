import COpenSSL
import Foundation

/// The key algorithms a federation CA may issue. New keys default to ECDSA P-256 (DESIGN.md:
/// faster to verify here than Ed25519, and supported by every TLS tool and government PKI); SM2
/// signs in a federation on the national algorithms (`CryptoSuite.sm`).
public enum KeyAlgorithm: String, Sendable, CaseIterable {
  case ecdsaP256 = "ecdsa-p256"
  case ed25519 = "ed25519"
  case sm2 = "sm2"
  case rsa = "rsa"
  case other = "other"

  /// An SM2 key is an EC key on the SM2 curve; OpenSSL 3.0 gives it the type SM2 whether it was
  /// generated as one or read from a certificate.
  init(key: OpaquePointer) {
    if EVP_PKEY_is_a(key, "SM2") == 1 {
      self = .sm2
    } else if EVP_PKEY_is_a(key, "ED25519") == 1 {
      self = .ed25519
    } else if EVP_PKEY_is_a(key, "EC") == 1 {
      self = .ecdsaP256
    } else if EVP_PKEY_is_a(key, "RSA") == 1 {
      self = .rsa
    } else {
      self = .other
    }
  }

  /// Ed25519 signs the message itself; SM2 signs SM3 of the message behind its Z value (see
  /// `SM2`); the others sign its SHA-256.
  var digestName: String? {
    switch self {
    case .ed25519: nil
    case .sm2: "SM3"
    default: "SHA256"
    }
  }
}

/// SM2 signatures as GB/T 32918 and GM/T 0009 define them: the signed digest is
/// SM3(Z || message), where Z hashes the signer's public key and a distinguishing ID. Signer and
/// verifier must use the same ID. OpenSSL 3.0's default is the empty ID and OpenSSL 4.0 changes
/// it, so every SM2 operation here sets GM/T 0009's default explicitly, as `openssl` does with
/// `-sigopt distid:1234567812345678` (and `-vfyopt` for certificates).
public enum SM2 {
  public static let distinguishingID = "1234567812345678"

  /// Gives an X509 the ID with which OpenSSL checks its issuer's SM2 signature over it (it has
  /// none by default, and then the check fails). For a certificate not yet shared between
  /// threads: one being loaded, or a peer's inside its own handshake.
  package static func giveDistinguishingID(toCertificate pointer: OpaquePointer) {
    guard let id = ASN1_OCTET_STRING_new() else { return }
    let bytes = Array(distinguishingID.utf8)
    guard ASN1_OCTET_STRING_set(id, bytes, Int32(bytes.count)) == 1 else {
      ASN1_OCTET_STRING_free(id)
      return
    }
    X509_set0_distinguishing_id(pointer, id)  // takes ownership
  }

  /// Gives an SM2 signing or verifying context the ID. Must be called before the first update.
  static func setDistinguishingID(_ context: OpaquePointer?) -> Bool {
    guard let context else { return false }
    return Array(distinguishingID.utf8).withUnsafeBytes {
      EVP_PKEY_CTX_set1_id(context, $0.baseAddress, Int32($0.count))
    } == 1
  }
}

/// A public key, usually read from a certificate. EVP_PKEY is reference-counted and not mutated
/// after creation, so sharing it across threads is safe; each operation makes its own context.
public final class PublicKey: @unchecked Sendable {
  /// The OpenSSL object, for the TLS layer of this package.
  package let pointer: OpaquePointer
  public let algorithm: KeyAlgorithm

  /// Takes ownership of one reference.
  init(owning pointer: OpaquePointer) {
    self.pointer = pointer
    self.algorithm = KeyAlgorithm(key: pointer)
  }
  deinit { EVP_PKEY_free(pointer) }

  /// True when the signature over `message` was made by the private half of this key.
  public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
    OpenSSLErrors.clear()
    defer { ERR_clear_error() }
    guard let context = EVP_MD_CTX_new() else { return false }
    defer { EVP_MD_CTX_free(context) }
    var keyContext: OpaquePointer? = nil
    guard EVP_DigestVerifyInit_ex(context, &keyContext, algorithm.digestName, nil, nil, pointer, nil) == 1
    else { return false }
    if algorithm == .sm2, !SM2.setDistinguishingID(keyContext) { return false }
    return verifies(signature, over: message) { EVP_DigestVerify(context, $0, $1, $2, $3) }
  }

  /// SubjectPublicKeyInfo PEM, as `openssl x509 -pubkey` prints it.
  public func pem() throws -> Data {
    OpenSSLErrors.clear()
    return try MemoryBIO.writing { bio in
      guard PEM_write_bio_PUBKEY(bio, pointer) == 1 else {
        throw CryptoError.openSSL(function: "PEM_write_bio_PUBKEY", detail: OpenSSLErrors.drain())
      }
    }
  }

  /// True when both keys are the same public key.
  public func matches(_ other: PublicKey) -> Bool { EVP_PKEY_eq(pointer, other.pointer) == 1 }
}

/// Checks many signatures by one key on one thread. `PublicKey.isValidSignature` sets up a new
/// OpenSSL context for every signature, which looks the signature and digest algorithms up by
/// name each time (under a lock in OpenSSL 3.0, which threads checking in parallel contend on);
/// this sets one up once, hashes with the SHA-256 fetched once, and verifies the digest, as
/// `openssl speed` does. Ed25519, which signs the message itself, takes the one-shot path. Not
/// for sharing between threads: each thread makes its own.
public final class SignatureVerifier {
  public let key: PublicKey
  /// An `EVP_PKEY_CTX` ready for `EVP_PKEY_verify` with SHA-256, or nil where the algorithm
  /// verifies the whole message.
  private let context: OpaquePointer?

  public init(_ key: PublicKey) {
    self.key = key
    guard key.algorithm == .ecdsaP256 || key.algorithm == .rsa,
      let context = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil)
    else {
      context = nil
      return
    }
    if EVP_PKEY_verify_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, SHA256.algorithm) == 1 {
      self.context = context
    } else {
      EVP_PKEY_CTX_free(context)
      ERR_clear_error()
      self.context = nil
    }
  }
  deinit { if let context { EVP_PKEY_CTX_free(context) } }

  /// The same answer as `key.isValidSignature(signature, for: message)`.
  public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
    guard let context else { return key.isValidSignature(signature, for: message) }
    OpenSSLErrors.clear()
    defer { ERR_clear_error() }
    return verifies(signature, over: SHA256.hash(message)) { EVP_PKEY_verify(context, $0, $1, $2, $3) }
  }
}

/// Hands the bytes of a signature and of what it signs to an OpenSSL verify call, which answers 1
/// for a valid signature.
private func verifies(
  _ signature: Data, over signed: Data,
  _ verify: (UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int) -> Int32
) -> Bool {
  signature.withUnsafeBytes { sig in
    signed.withUnsafeBytes { bytes in
      verify(
        sig.bindMemory(to: UInt8.self).baseAddress, sig.count, bytes.bindMemory(to: UInt8.self).baseAddress,
        bytes.count)
    }
  } == 1
}

/// A node's private key: it signs the node's changes (and later its TLS handshakes).
public final class PrivateKey: @unchecked Sendable {
  /// The OpenSSL object, for the TLS layer of this package.
  package let pointer: OpaquePointer
  public let algorithm: KeyAlgorithm

  /// Refuses before storing anything: a class whose stored properties are all set runs its
  /// `deinit` when its initialiser throws, which would free the key a second time.
  init(owning pointer: OpaquePointer) throws {
    let algorithm = KeyAlgorithm(key: pointer)
    guard algorithm != .other else {
      let name = String(cString: EVP_PKEY_get0_type_name(pointer))
      EVP_PKEY_free(pointer)
      throw CryptoError.unsupportedKey(type: name)
    }
    self.pointer = pointer
    self.algorithm = algorithm
  }
  deinit { EVP_PKEY_free(pointer) }

  /// Reads a PEM private key (PKCS#8 or the traditional forms); encrypted keys are not accepted.
  public convenience init(pem: Data) throws {
    OpenSSLErrors.clear()
    // A callback that gives no passphrase: without one, OpenSSL prompts on the terminal for an
    // encrypted key, which would hang a node started by systemd.
    let key = try MemoryBIO.reading(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
    }
    guard let key else {
      let detail = OpenSSLErrors.drain()
      let text = String(decoding: pem.prefix(4096), as: UTF8.self)
      if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        throw CryptoError.encryptedKey
      }
      throw CryptoError.unreadablePEM(what: "private key", detail: detail)
    }
    try self.init(owning: key)
  }

  /// Generates a fresh key.
  public static func generate(_ algorithm: KeyAlgorithm = .ecdsaP256) throws -> PrivateKey {
    OpenSSLErrors.clear()
    let name: String
    switch algorithm {
    case .ecdsaP256: name = "EC"
    case .ed25519: name = "ED25519"
    case .sm2: name = "SM2"
    case .rsa: name = "RSA"
    case .other: throw CryptoError.unsupportedKey(type: "other")
    }
    guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
      throw CryptoError.keyGenerationFailed(detail: OpenSSLErrors.drain())
    }
    defer { EVP_PKEY_CTX_free(context) }
    guard EVP_PKEY_keygen_init(context) == 1 else {
      throw CryptoError.keyGenerationFailed(detail: OpenSSLErrors.drain())
    }
    if algorithm == .ecdsaP256, EVP_PKEY_CTX_set_group_name(context, "P-256") != 1 {
      throw CryptoError.keyGenerationFailed(detail: OpenSSLErrors.drain())
    }
    if algorithm == .rsa, EVP_PKEY_CTX_set_rsa_keygen_bits(context, 3072) != 1 {
      throw CryptoError.keyGenerationFailed(detail: OpenSSLErrors.drain())
    }
    var key: OpaquePointer? = nil
    guard EVP_PKEY_generate(context, &key) == 1, let key else {
      throw CryptoError.keyGenerationFailed(detail: OpenSSLErrors.drain())
    }
    return try PrivateKey(owning: key)
  }

  /// PKCS#8 PEM, unencrypted: the data folder's permissions protect it.
  public func pemPKCS8() throws -> Data {
    OpenSSLErrors.clear()
    return try MemoryBIO.writing { bio in
      guard PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 else {
        throw CryptoError.openSSL(function: "PEM_write_bio_PrivateKey", detail: OpenSSLErrors.drain())
      }
    }
  }

  /// The public half, for comparing with a certificate.
  public func publicKey() throws -> PublicKey {
    OpenSSLErrors.clear()
    let der = try MemoryBIO.writing { bio in
      guard i2d_PUBKEY_bio(bio, pointer) == 1 else {
        throw CryptoError.openSSL(function: "i2d_PUBKEY_bio", detail: OpenSSLErrors.drain())
      }
    }
    let key = try MemoryBIO.reading(der) { bio in d2i_PUBKEY_bio(bio, nil) }
    guard let key else {
      throw CryptoError.openSSL(function: "d2i_PUBKEY_bio", detail: OpenSSLErrors.drain())
    }
    return PublicKey(owning: key)
  }

  /// Signs `message`: Ed25519 directly, SM2 over SM3 with the distinguishing ID, ECDSA and RSA
  /// over its SHA-256.
  public func sign(_ message: Data) throws -> Data {
    OpenSSLErrors.clear()
    guard let context = EVP_MD_CTX_new() else {
      throw CryptoError.signingFailed(detail: OpenSSLErrors.drain())
    }
    defer { EVP_MD_CTX_free(context) }
    var keyContext: OpaquePointer? = nil
    guard EVP_DigestSignInit_ex(context, &keyContext, algorithm.digestName, nil, nil, pointer, nil) == 1
    else {
      throw CryptoError.signingFailed(detail: OpenSSLErrors.drain())
    }
    if algorithm == .sm2, !SM2.setDistinguishingID(keyContext) {
      throw CryptoError.signingFailed(
        detail: "cannot set the SM2 distinguishing ID: \(OpenSSLErrors.drain())")
    }
    return try message.withUnsafeBytes { msg in
      let input = msg.bindMemory(to: UInt8.self).baseAddress
      var length = 0
      guard EVP_DigestSign(context, nil, &length, input, msg.count) == 1 else {
        throw CryptoError.signingFailed(detail: OpenSSLErrors.drain())
      }
      var signature = Data(count: length)
      let ok = signature.withUnsafeMutableBytes {
        EVP_DigestSign(context, $0.bindMemory(to: UInt8.self).baseAddress, &length, input, msg.count)
      }
      guard ok == 1 else { throw CryptoError.signingFailed(detail: OpenSSLErrors.drain()) }
      return signature.prefix(length)
    }
  }
}
