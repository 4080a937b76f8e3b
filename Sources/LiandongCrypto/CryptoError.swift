import COpenSSL

/// A failure in keys, signatures or certificates. Each case has a stable code for scripts and
/// logs, and a message that says what was wrong and what to do.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
  case unreadablePEM(what: String, detail: String)
  case encryptedKey
  case unsupportedKey(type: String)
  case signingFailed(detail: String)
  case keyGenerationFailed(detail: String)
  case certificateNotTrusted(reason: String)
  case certificateExpired(notAfter: String)
  case certificateNotYetValid(notBefore: String)
  case certificateRevoked(serial: String, revokedAt: String)
  case revocationListInvalid(reason: String)
  case revocationListExpired(nextUpdate: String)
  case revocationListMissing(issuer: String)
  case missingNodeIdentity
  case malformedNodeIdentity(uri: String)
  case openSSL(function: String, detail: String)

  public var code: String {
    switch self {
    case .unreadablePEM: "crypto.unreadable-pem"
    case .encryptedKey: "key.encrypted"
    case .unsupportedKey: "crypto.unsupported-key"
    case .signingFailed: "crypto.signing-failed"
    case .keyGenerationFailed: "crypto.keygen-failed"
    case .certificateNotTrusted: "cert.not-trusted"
    case .certificateExpired: "cert.expired"
    case .certificateNotYetValid: "cert.not-yet-valid"
    case .certificateRevoked: "cert.revoked"
    case .revocationListInvalid: "crl.invalid"
    case .revocationListExpired: "crl.expired"
    case .revocationListMissing: "crl.missing"
    case .missingNodeIdentity: "cert.no-node-id"
    case .malformedNodeIdentity: "cert.bad-node-id"
    case .openSSL: "crypto.openssl"
    }
  }

  public var description: String {
    switch self {
    case .unreadablePEM(let what, let detail):
      "cannot read \(what) as PEM (\(detail)); expected a '-----BEGIN ...-----' block"
    case .encryptedKey:
      "the private key is protected by a passphrase, and a node never prompts for one (serve runs "
        + "unattended): decrypt it once with 'openssl pkey -in KEY -out node-plain.key', keep that file "
        + "mode 0600, and pass it"
    case .unsupportedKey(let type):
      "key type \(type) is not supported; use ECDSA P-256, Ed25519, SM2 or RSA"
    case .signingFailed(let detail): "signing failed: \(detail)"
    case .keyGenerationFailed(let detail): "key generation failed: \(detail)"
    case .certificateNotTrusted(let reason):
      "the certificate does not chain to the federation CA: \(reason)"
    case .certificateExpired(let notAfter): "the certificate expired at \(notAfter)"
    case .certificateNotYetValid(let notBefore): "the certificate is not valid before \(notBefore)"
    case .certificateRevoked(let serial, let revokedAt):
      "the certificate with serial \(serial) was revoked at \(revokedAt)"
    case .revocationListInvalid(let reason): "the CRL is not valid: \(reason)"
    case .revocationListExpired(let nextUpdate):
      "the CRL expired at \(nextUpdate); ask the federation CA for a fresh one and install it"
    case .revocationListMissing(let issuer): "no CRL from issuer \(issuer) is installed"
    case .missingNodeIdentity:
      "the certificate has no SAN URI of the form urn:liandong:node:<id>"
    case .malformedNodeIdentity(let uri):
      "the certificate's SAN URI \(uri) is not urn:liandong:node:<id> with <id> of 2-32 characters a-z, 0-9, '-'"
    case .openSSL(let function, let detail): "OpenSSL \(function) failed: \(detail)"
    }
  }
}

/// OpenSSL's error queue is per thread: callers clear it before a call and drain it right after,
/// with no suspension point in between.
package enum OpenSSLErrors {
  package static func clear() { ERR_clear_error() }

  /// Every queued error's reason, oldest first ("certificate verify failed; ..."); empties the
  /// queue.
  package static func drain() -> String {
    var parts: [String] = []
    while true {
      let code = ERR_get_error()
      if code == 0 { break }
      var buffer = [CChar](repeating: 0, count: 256)
      ERR_error_string_n(code, &buffer, buffer.count)
      let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      // "error:0A000086:SSL routines::certificate verify failed" -> "certificate verify failed"
      parts.append(text.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? text)
    }
    return parts.isEmpty ? "no detail from OpenSSL" : parts.joined(separator: "; ")
  }
}
