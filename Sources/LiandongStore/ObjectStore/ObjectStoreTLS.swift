import COpenSSL
import Foundation
import LiandongCrypto

/// TLS to an object store through the system OpenSSL, as everything else: TLS 1.2 or later,
/// the server's certificate verified against `caFile` (or the system's trust store) and checked
/// to name the endpoint's host (a DNS name, or an IP address in the certificate's SAN).
final class ObjectStoreTLS: @unchecked Sendable {
  private let context: OpaquePointer

  init(caFile: String?) throws(ObjectStoreError) {
    ERR_clear_error()
    guard let context = SSL_CTX_new(TLS_client_method()) else {
      throw .settings(reason: "OpenSSL cannot make a TLS context: \(OpenSSLErrors.drain())")
    }
    self.context = context
    guard liandong_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
      throw .settings(reason: "OpenSSL cannot require TLS 1.2: \(OpenSSLErrors.drain())")
    }
    let loaded =
      if let caFile { SSL_CTX_load_verify_locations(context, caFile, nil) } else {
        SSL_CTX_set_default_verify_paths(context)
      }
    guard loaded == 1 else {
      throw .settings(
        reason: "the CA certificates \(caFile ?? "of the system") cannot be loaded: \(OpenSSLErrors.drain())")
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
  }

  deinit { SSL_CTX_free(context) }

  /// A TLS session over the connected socket, its handshake done and the server verified.
  func connect(_ descriptor: Int32, endpoint: ObjectStoreEndpoint) throws(ObjectStoreError) -> OpaquePointer {
    ERR_clear_error()
    guard let session = SSL_new(context) else {
      throw .tls(endpoint: endpoint.description, reason: OpenSSLErrors.drain())
    }
    let isAddress = endpoint.host.contains(":") || endpoint.host.allSatisfy { $0.isNumber || $0 == "." }
    if isAddress {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(session), endpoint.host)
    } else {
      _ = liandong_SSL_set_tlsext_host_name(session, endpoint.host)
      SSL_set1_host(session, endpoint.host)
    }
    SSL_set_fd(session, descriptor)
    guard SSL_connect(session) == 1 else {
      let verified = SSL_get_verify_result(session)
      var reason =
        verified == X509_V_OK
        ? OpenSSLErrors.drain() : String(cString: X509_verify_cert_error_string(verified))
      if reason.contains("wrong version number") {
        reason += " (the server at this port does not speak TLS: is the endpoint http://?)"
      }
      SSL_free(session)
      throw .tls(endpoint: endpoint.description, reason: reason)
    }
    return session
  }
}
