import COpenSSL

/// What the system OpenSSL's TLS offers beyond what Liandong uses. A federation on the national
/// algorithms runs TLS 1.3 on P-256 endpoint certificates because OpenSSL 3.0 has neither the
/// RFC 8998 cipher suites (TLS_SM4_GCM_SM3, TLS_SM4_CCM_SM3) nor SM2 signatures in TLS 1.3; a
/// node says at start whether this machine's OpenSSL has them, so that an operator learns when
/// a newer one could carry SM TLS.
public enum TLSCapabilities {
  public struct RFC8998: Sendable, Equatable {
    public var cipherSuites: Bool
    public var sm2Signatures: Bool
    public var available: Bool { cipherSuites && sm2Signatures }
  }

  public static var rfc8998: RFC8998 {
    guard let context = SSL_CTX_new(TLS_method()) else {
      return RFC8998(cipherSuites: false, sm2Signatures: false)
    }
    defer {
      SSL_CTX_free(context)
      ERR_clear_error()
    }
    return RFC8998(
      cipherSuites: SSL_CTX_set_ciphersuites(context, "TLS_SM4_GCM_SM3:TLS_SM4_CCM_SM3") == 1,
      sm2Signatures: liandong_SSL_CTX_set1_sigalgs_list(context, "sm2sig_sm3") == 1)
  }

  /// One line for the log: the OpenSSL version and what it offers.
  public static var summary: String {
    let version = String(cString: OpenSSL_version(OPENSSL_VERSION))
    let offered = rfc8998
    if offered.available {
      return
        "\(version) offers the RFC 8998 suites and SM2 signatures in TLS 1.3; this node still uses P-256 for TLS"
    }
    let missing = [
      offered.cipherSuites ? nil : "the RFC 8998 cipher suites",
      offered.sm2Signatures ? nil : "SM2 signatures",
    ]
    .compactMap { $0 }.joined(separator: " nor ")
    return "\(version) has neither \(missing) in TLS 1.3: TLS runs on this node's P-256 certificate (tls.pem)"
  }
}
