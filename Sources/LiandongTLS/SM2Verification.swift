import COpenSSL
import LiandongCrypto

/// What a handshake needs in an `sm` federation, whose CA signs with SM2. The endpoint
/// certificates are P-256, but the CA's signatures over them and its CRLs are SM2, which
/// OpenSSL 3.0 checks only with a distinguishing ID it never sets by itself.
enum SM2Verification {
  /// Replaces OpenSSL's chain check: gives the peer's certificates the ID, then runs the usual
  /// `X509_verify_cert` (validity, chain to the CA, CRLs, and every signature).
  static let verifyChain: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { store, _ in
    guard let store else { return 0 }
    var certificates: [OpaquePointer] = []
    if let leaf = X509_STORE_CTX_get0_cert(store) { certificates.append(leaf) }
    if let untrusted = X509_STORE_CTX_get0_untrusted(store) {
      for index in 0..<liandong_sk_X509_num(untrusted) {
        if let certificate = liandong_sk_X509_value(untrusted, index) { certificates.append(certificate) }
      }
    }
    for certificate in certificates where X509_get_signature_nid(certificate) == NID_SM2_with_SM3 {
      SM2.giveDistinguishingID(toCertificate: certificate)
    }
    return X509_verify_cert(store)
  }

  /// OpenSSL 3.0 cannot check an SM2-signed CRL's signature (it has no way to give a CRL the
  /// ID), so it reports every one as a signature failure. The only CRLs in the context's store
  /// are the federation's, whose signatures `TrustAnchor` checked when it loaded them; that one
  /// failure is therefore waved through, and revocation is still checked against the list.
  static let acceptingLoadedCRLs: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, store in
    guard ok == 0, let store, X509_STORE_CTX_get_error(store) == X509_V_ERR_CRL_SIGNATURE_FAILURE else {
      return ok
    }
    // Left set, the error would be the handshake's verify result, and its queue entries would
    // fail the next TLS call.
    X509_STORE_CTX_set_error(store, X509_V_OK)
    ERR_clear_error()
    return 1
  }
}
