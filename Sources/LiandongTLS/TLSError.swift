import LiandongCrypto
import LiandongErrors

/// Why a TLS connection was refused or ended badly. Every refusal is also logged with the peer's
/// address; the code is stable for scripts and tests.
public enum TLSError: CodedError, Equatable, Sendable {
  /// The TLS handshake failed; `reason` is OpenSSL's, `verification` the certificate check's.
  case handshakeFailed(reason: String, verification: String?)
  case peerIdentity(CryptoError)
  case peerNotAllowed(node: String)
  case unexpectedPeer(expected: String, actual: String)
  case handshakeTimeout(seconds: Int64)
  case idleTimeout(seconds: Int64)
  case handshakeTooLarge(bytes: Int)
  case uncleanShutdown
  case protocolError(reason: String)
  case configuration(reason: String)

  public var code: String {
    switch self {
    case .handshakeFailed: "tls.handshake-failed"
    case .peerIdentity: "tls.peer-identity"
    case .peerNotAllowed: "tls.peer-not-allowed"
    case .unexpectedPeer: "tls.unexpected-peer"
    case .handshakeTimeout: "tls.handshake-timeout"
    case .idleTimeout: "tls.idle-timeout"
    case .handshakeTooLarge: "tls.handshake-too-large"
    case .uncleanShutdown: "tls.unclean-shutdown"
    case .protocolError: "tls.protocol-error"
    case .configuration: "tls.configuration"
    }
  }

  public var description: String {
    switch self {
    case .handshakeFailed(let reason, let verification):
      "TLS handshake failed: \(reason)" + (verification.map { " (certificate check: \($0))" } ?? "")
    case .peerIdentity(let error): "the peer's certificate does not name a node: \(error)"
    case .peerNotAllowed(let node): "node \(node) is not on this listener's allow-list"
    case .unexpectedPeer(let expected, let actual):
      "expected to reach node \(expected), but the peer is \(actual)"
    case .handshakeTimeout(let seconds): "no TLS handshake within \(seconds) s"
    case .idleTimeout(let seconds): "no traffic for \(seconds) s; connection closed"
    case .handshakeTooLarge(let bytes): "the peer sent \(bytes) bytes without completing a handshake"
    case .uncleanShutdown:
      "the peer closed the connection without a TLS close_notify (truncation is possible)"
    case .protocolError(let reason): "TLS error: \(reason)"
    case .configuration(let reason): "TLS configuration is not usable: \(reason)"
    }
  }
}
