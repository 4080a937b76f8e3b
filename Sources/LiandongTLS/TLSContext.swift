import COpenSSL
import Foundation
import LiandongCrypto

/// One `SSL_CTX` per configuration and role, shared by every connection (OpenSSL 3.0 contends on
/// implicit look-ups otherwise). The policy is fixed here: TLS 1.3 only, no renegotiation, no
/// session tickets, and between nodes the peer's certificate required and verified against the
/// federation CA and its CRLs (a revoked certificate or an expired CRL fails the handshake).
public final class TLSContext: @unchecked Sendable {
  public enum Role: Sendable {
    /// Both ends of a sync connection: each is a node with a certificate from the federation CA.
    case server, client
    /// The HTTP API's listener: it presents its certificate, and its clients (browsers, case
    /// systems) prove who they are with a password or a token inside, not with a certificate.
    case httpsServer
  }

  let pointer: OpaquePointer
  public let role: Role
  public let configuration: TLSConfiguration

  /// The key exchange groups offered and accepted, in order of preference.
  public static let groups = "X25519:P-256:P-384"

  public init(_ configuration: TLSConfiguration, role: Role) throws {
    self.configuration = configuration
    self.role = role
    ERR_clear_error()
    guard let context = SSL_CTX_new(role == .client ? TLS_client_method() : TLS_server_method()) else {
      throw TLSError.configuration(reason: "SSL_CTX_new: \(OpenSSLErrors.drain())")
    }
    pointer = context
    guard liandong_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1,
      liandong_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1
    else { throw TLSError.configuration(reason: "cannot restrict to TLS 1.3: \(OpenSSLErrors.drain())") }
    // The key exchanges a federation needs, and no more: OpenSSL's default list also offers
    // X448 and P-521, which no node uses and each add a code path to the handshake.
    guard liandong_SSL_CTX_set1_groups_list(context, TLSContext.groups) == 1 else {
      throw TLSError.configuration(reason: "cannot set the key exchange groups: \(OpenSSLErrors.drain())")
    }
    SSL_CTX_set_options(context, liandong_SSL_OP_NO_RENEGOTIATION())
    _ = SSL_CTX_set_num_tickets(context, 0)

    guard let leaf = configuration.chain.first else { throw TLSError.configuration(reason: "no certificate") }
    guard SSL_CTX_use_certificate(context, leaf.pointer) == 1 else {
      throw TLSError.configuration(reason: "the certificate is not usable: \(OpenSSLErrors.drain())")
    }
    for intermediate in configuration.chain.dropFirst() {
      guard liandong_SSL_CTX_add1_chain_cert(context, intermediate.pointer) == 1 else {
        throw TLSError.configuration(
          reason: "an intermediate certificate is not usable: \(OpenSSLErrors.drain())")
      }
    }
    guard SSL_CTX_use_PrivateKey(context, configuration.key.pointer) == 1,
      SSL_CTX_check_private_key(context) == 1
    else {
      throw TLSError.configuration(
        reason: "the private key does not match the certificate: \(OpenSSLErrors.drain())")
    }

    guard let store = SSL_CTX_get_cert_store(context) else {
      throw TLSError.configuration(reason: "no certificate store")
    }
    for authority in configuration.trust.authorities { X509_STORE_add_cert(store, authority.pointer) }
    if !configuration.trust.revocationLists.isEmpty {
      for list in configuration.trust.revocationLists { X509_STORE_add_crl(store, list.pointer) }
      X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
    }
    let mode =
      switch role {
      case .server: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
      case .client: SSL_VERIFY_PEER
      case .httpsServer: SSL_VERIFY_NONE
      }
    if configuration.trust.suite == .sm, role != .httpsServer {
      SSL_CTX_set_verify(context, mode, SM2Verification.acceptingLoadedCRLs)
      SSL_CTX_set_cert_verify_callback(context, SM2Verification.verifyChain, nil)
    } else {
      SSL_CTX_set_verify(context, mode, nil)
    }
    ERR_clear_error()
  }

  deinit { SSL_CTX_free(pointer) }
}
