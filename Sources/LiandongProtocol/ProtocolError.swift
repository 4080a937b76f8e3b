import LiandongCore
import LiandongCrypto
import LiandongErrors

/// Why a sync session ended early. Sent to the peer in a Failure frame (code and message), logged,
/// and shown by `liandong sync`.
public enum ProtocolError: CodedError, Equatable, Sendable {
  case oversizedFrame(length: UInt64, maximum: Int)
  case malformedFrame(reason: String)
  case unsupportedVersion(theirs: UInt32, ours: UInt32)
  case wrongNode(claimed: String, authenticated: String)
  case unexpectedFrame(frame: String, state: String)
  case batchOutOfOrder(expected: UInt64, received: UInt64)
  /// Blob data that breaks the transfer: out of order, or longer than the evidence record says.
  case badBlob(reason: String)
  /// This node could not go on (for example, its disk is full); nothing acknowledged is lost.
  case localFailure(code: String, reason: String)
  case peerFailed(code: String, message: String)
  case connectionClosed(state: String)
  /// The peer hung up after the TLS handshake but before its Hello: it does not accept us.
  case closedBeforeHello(peer: String)
  /// A frame begun but not finished in time: a peer dripping bytes to hold a session open.
  case slowFrame(seconds: Int)
  /// The peer already has as many sessions open with this node as one peer may.
  case tooManySessions(peer: String, limit: Int)

  public var code: String {
    switch self {
    case .oversizedFrame: "sync.oversized-frame"
    case .malformedFrame: "sync.malformed-frame"
    case .unsupportedVersion: "sync.unsupported-version"
    case .wrongNode: "sync.wrong-node"
    case .unexpectedFrame: "sync.unexpected-frame"
    case .batchOutOfOrder: "sync.batch-order"
    case .badBlob: "sync.bad-blob"
    case .localFailure(let code, _): code
    case .peerFailed: "sync.peer-failed"
    case .connectionClosed: "sync.connection-closed"
    case .closedBeforeHello: "sync.refused"
    case .slowFrame: "sync.slow-frame"
    case .tooManySessions: "sync.too-many-sessions"
    }
  }

  public var description: String {
    switch self {
    case .oversizedFrame(let length, let maximum):
      "the peer announced a frame of \(length) bytes; the maximum is \(maximum)"
    case .malformedFrame(let reason): "the peer sent a frame that cannot be decoded: \(reason)"
    case .unsupportedVersion(let theirs, let ours):
      "the peer speaks sync protocol version \(theirs); this node speaks \(ours): upgrade the older node"
    case .wrongNode(let claimed, let authenticated):
      "the peer says it is \(claimed) but its certificate names \(authenticated)"
    case .unexpectedFrame(let frame, let state): "the peer sent \(frame) while the session was \(state)"
    case .batchOutOfOrder(let expected, let received):
      "the peer sent batch \(received) where \(expected) was due"
    case .badBlob(let reason): "the peer sent bad blob data: \(reason)"
    case .localFailure(_, let reason): "this node could not continue: \(reason)"
    case .peerFailed(let code, let message): "the peer ended the session: [\(code)] \(message)"
    case .connectionClosed(let state): "the connection closed while the session was \(state)"
    case .closedBeforeHello(let peer):
      "\(peer) closed the connection before the sync began: it does not accept this node "
        + "(its allow-list, a revoked certificate, or a different federation CA); ask its operator"
    case .slowFrame(let seconds):
      "the peer took more than \(seconds) s to send one frame; a session must keep moving"
    case .tooManySessions(let peer, let limit):
      "\(peer) already has \(limit) sessions open with this node; try again when one ends"
    }
  }
}
