import LiandongErrors

/// What went wrong between the node and the object store holding its evidence files.
public enum ObjectStoreError: CodedError, Sendable, Equatable {
  /// Nothing answered, or the connection broke.
  case unreachable(endpoint: String, reason: String)
  /// Something answered, but not as an S3 server does.
  case badAnswer(endpoint: String, reason: String)
  /// The server answered with an S3 error (its code and message, from the XML body).
  case refused(endpoint: String, status: Int, s3Code: String, message: String)
  case noBucket(endpoint: String, bucket: String)
  /// The TLS handshake failed: most often a certificate that does not verify or name the host.
  case tls(endpoint: String, reason: String)
  /// `evidenceStore` in `node.json`, or the credentials file it names, cannot be used.
  case settings(reason: String)

  public var code: String {
    switch self {
    case .unreachable: "evidence.store-unreachable"
    case .badAnswer: "evidence.store-bad-answer"
    // A server's own failure (5xx) is not the request's: its credentials and bucket are fine.
    case .refused(_, let status, _, _) where status >= 500: "evidence.store-failed"
    case .refused: "evidence.store-refused"
    case .noBucket: "evidence.store-no-bucket"
    case .tls: "evidence.store-tls"
    case .settings: "config.evidence-store"
    }
  }

  public var description: String {
    switch self {
    case .unreachable(let endpoint, let reason):
      "the object store at \(endpoint) cannot be reached: \(reason)"
    case .badAnswer(let endpoint, let reason): "the object store at \(endpoint) answered oddly: \(reason)"
    case .refused(let endpoint, let status, let s3Code, let message):
      "the object store at \(endpoint) refused (HTTP \(status), \(s3Code))\(message.isEmpty ? "" : ": \(message)")"
    case .noBucket(let endpoint, let bucket): "the object store at \(endpoint) has no bucket '\(bucket)'"
    case .tls(let endpoint, let reason): "no TLS connection to the object store at \(endpoint): \(reason)"
    case .settings(let reason): "the evidence store in node.json cannot be used: \(reason)"
    }
  }
}
