import COpenSSL
import Foundation
import Synchronization

/// The federation CA and its revocation lists: the one thing every node trusts. It answers
/// "was this certificate chain valid, and unrevoked, at this instant?".
public final class TrustAnchor: @unchecked Sendable {
  public let authorities: [Certificate]
  public let revocationLists: [RevocationList]
  /// The federation's suite, as its CA's key fixes it: an SM2 CA makes an `sm` federation. Read
  /// once: every received change is checked against it.
  public let suite: CryptoSuite
  /// Chains (keyed by their certificates' fingerprints) whose signatures already verified up to
  /// a CA. Signatures do not change with time; validity windows and revocation do, and are
  /// checked on every call.
  private let verifiedPaths = Mutex<Set<Data>>([])

  /// Checks every CRL against its issuer at load time, so a forged or foreign CRL is refused
  /// before it can be trusted.
  public init(authorities: [Certificate], revocationLists: [RevocationList] = []) throws {
    precondition(!authorities.isEmpty, "a trust anchor needs at least one CA certificate")
    self.authorities = authorities
    self.revocationLists = revocationLists
    suite = (try? authorities[0].publicKey()).map { CryptoSuite(signingKey: $0.algorithm) } ?? .p256
    for crl in revocationLists {
      guard let issuer = authorities.first(where: { $0.subjectName == crl.issuerName }) else {
        throw CryptoError.revocationListInvalid(
          reason: "issued by \(crl.issuerName), which is not the federation CA")
      }
      guard crl.isSigned(by: issuer) else {
        throw CryptoError.revocationListInvalid(reason: "its signature does not verify with the CA's key")
      }
    }
  }

  public convenience init(caPEM: Data, crlPEM: Data? = nil) throws {
    try self.init(
      authorities: Certificate.chain(pem: caPEM),
      revocationLists: crlPEM.map { try RevocationList.all(pem: $0) } ?? [])
  }

  /// Verifies `chain` (leaf first, intermediates after) against the CA as it stood at `instant`:
  /// every certificate valid then, and none revoked at or before then. The CRLs themselves must
  /// be fresh at `now`: a stale CRL is a failure, never silently skipped.
  public func verify(chain: [Certificate], at instant: Date, now: Date = Date()) throws {
    guard let leaf = chain.first else {
      throw CryptoError.certificateNotTrusted(reason: "no certificate was presented")
    }
    if instant < leaf.notBefore {
      throw CryptoError.certificateNotYetValid(notBefore: leaf.notBefore.iso8601)
    }
    if instant > leaf.notAfter { throw CryptoError.certificateExpired(notAfter: leaf.notAfter.iso8601) }
    let key = chain.reduce(into: Data()) { $0.append($1.fingerprint) }
    if verifiedPaths.withLock({ $0.contains(key) }) {
      try checkValidity(of: chain, at: instant)
    } else {
      try verifyPath(chain: chain, at: instant)
      verifiedPaths.withLock { _ = $0.insert(key) }
    }
    try checkRevocation(chain: chain, at: instant, now: now)
  }

  private func verifyPath(chain: [Certificate], at instant: Date) throws {
    OpenSSLErrors.clear()
    guard let store = X509_STORE_new(), let context = X509_STORE_CTX_new(),
      let untrusted = liandong_sk_X509_new_null()
    else { throw CryptoError.openSSL(function: "X509_STORE_new", detail: OpenSSLErrors.drain()) }
    defer {
      X509_STORE_CTX_free(context)
      X509_STORE_free(store)
      liandong_sk_X509_pop_free(untrusted)
    }
    for authority in authorities { X509_STORE_add_cert(store, authority.pointer) }
    for intermediate in chain.dropFirst() {
      X509_up_ref(intermediate.pointer)
      _ = liandong_sk_X509_push(untrusted, intermediate.pointer)
    }
    guard X509_STORE_CTX_init(context, store, chain[0].pointer, untrusted) == 1 else {
      throw CryptoError.openSSL(function: "X509_STORE_CTX_init", detail: OpenSSLErrors.drain())
    }
    X509_STORE_CTX_set_time(context, 0, time_t(instant.timeIntervalSince1970))
    if X509_verify_cert(context) != 1 {
      let code = X509_STORE_CTX_get_error(context)
      ERR_clear_error()
      let reason = String(cString: X509_verify_cert_error_string(Int(code)))
      switch code {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        throw CryptoError.certificateExpired(notAfter: "\(instant.iso8601) (\(reason))")
      case X509_V_ERR_CERT_NOT_YET_VALID:
        throw CryptoError.certificateNotYetValid(notBefore: "\(instant.iso8601) (\(reason))")
      default:
        throw CryptoError.certificateNotTrusted(reason: reason)
      }
    }
  }

  /// Every certificate of a chain whose signatures are known good, and its CA, valid at
  /// `instant`: what X509_verify_cert checks at that time, short of the signatures.
  private func checkValidity(of chain: [Certificate], at instant: Date) throws {
    guard let top = chain.last,
      let authority = authorities.first(where: { $0.subjectName == top.issuerName || $0.der == top.der })
    else { throw CryptoError.certificateNotTrusted(reason: "the issuing CA is no longer trusted") }
    for cert in chain + [authority] {
      if instant < cert.notBefore {
        throw CryptoError.certificateNotYetValid(notBefore: "\(cert.notBefore.iso8601) (\(cert.subjectName))")
      }
      if instant > cert.notAfter {
        throw CryptoError.certificateExpired(notAfter: "\(cert.notAfter.iso8601) (\(cert.subjectName))")
      }
    }
  }

  /// When the CA revoked `certificate`, by the earliest CRL in force that lists it; nil when
  /// none does.
  public func revocationTime(of certificate: Certificate) -> Date? {
    revocationLists.filter { $0.issuerName == certificate.issuerName }.compactMap {
      $0.revocationDate(of: certificate)
    }.min()
  }

  private func checkRevocation(chain: [Certificate], at instant: Date, now: Date) throws {
    guard !revocationLists.isEmpty else { return }
    // Every certificate below a CA needs a CRL from its issuer; a self-signed root has none.
    for cert in chain where !authorities.contains(where: { $0.der == cert.der }) {
      let lists = revocationLists.filter { $0.issuerName == cert.issuerName }
      guard !lists.isEmpty else { throw CryptoError.revocationListMissing(issuer: cert.issuerName) }
      for crl in lists {
        if let next = crl.nextUpdate, next < now {
          throw CryptoError.revocationListExpired(nextUpdate: next.iso8601)
        }
        if let revoked = crl.revocationDate(of: cert), revoked <= instant {
          throw CryptoError.certificateRevoked(serial: cert.serialHex, revokedAt: revoked.iso8601)
        }
      }
    }
  }
}
