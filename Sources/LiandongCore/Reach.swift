import Foundation
import LiandongCrypto

/// Whether a change has reached another node, and if not why, decided from what this node knows:
/// its own log, the node's signed checkpoints held here, and this node's last sync session with
/// it. An officer asking "why isn't this lead at yrd?" gets one of these per change of the lead.
public enum Reach: Equatable, Sendable {
  /// The node made the change.
  case origin
  /// The node's own signed checkpoint proves it held the change no later than `since`.
  case proven(since: Date)
  /// The node is outside the change's audience: it gets the signed header (the stub), never the
  /// content. `stubProvenSince`: its checkpoint proves it holds the stub.
  case outsideAudience(stubProvenSince: Date?)
  /// The node said it holds the change in the sync session of `at` (its Hello, or its
  /// acknowledgement of the batch carrying it); no checkpoint of its own proves it yet.
  case heldByItsWord(at: Date)
  /// The node refused the change in the sync session of `at`, with this stable code.
  case refused(code: String, at: Date)
  /// Sent in the sync session of `at`, which ended before the node acknowledged it: the next
  /// session sends it again.
  case sentNotAcknowledged(at: Date)
  /// This node holds only the change's stub: the node gets the content from its origin or from
  /// another node in its audience, not from here.
  case contentNotHeldHere
  /// Not yet sent from here. `lastSession`: when this node last synced with the node (nil:
  /// never); `configuredPeer`: whether this node syncs with it at all, or it is reached only
  /// through other nodes.
  case notYetSent(lastSession: Date?, configuredPeer: Bool)

  /// The stable name of the state, for `--json` and the API.
  public var state: String {
    switch self {
    case .origin: "origin"
    case .proven: "proven"
    case .outsideAudience: "outside-audience"
    case .heldByItsWord: "held-by-its-word"
    case .refused: "refused"
    case .sentNotAcknowledged: "sent-not-acknowledged"
    case .contentNotHeldHere: "content-not-held-here"
    case .notYetSent: "not-yet-sent"
    }
  }

  /// Whether the node holds the change's content, by proof or by its word.
  public var arrived: Bool {
    switch self {
    case .origin, .proven, .heldByItsWord: true
    default: false
    }
  }
}

extension Reach: CustomStringConvertible {
  public var description: String {
    switch self {
    case .origin: "made there"
    case .proven(let since): "held there no later than \(since.iso8601), proven by its own signed checkpoint"
    case .outsideAudience(let stub):
      "outside the change's audience: it gets only the signed header, never the content"
        + (stub.map { "; its checkpoint proves it holds the header since \($0.iso8601)" } ?? "")
    case .heldByItsWord(let at):
      "held there by its word in the sync of \(at.iso8601); no checkpoint of its own proves it yet"
    case .refused(let code, let at): "refused there in the sync of \(at.iso8601): \(code)"
    case .sentNotAcknowledged(let at):
      "sent in the sync of \(at.iso8601), which ended before it was acknowledged; the next sync sends it again"
    case .contentNotHeldHere:
      "this node holds only its signed header: the content reaches it from its origin or another node in its audience"
    case .notYetSent(let last, let configured):
      configured
        ? "not yet sent from here; the next sync with it carries it"
          + (last.map { " (the last was \($0.iso8601))" } ?? " (never synced yet)")
        : "not a peer of this node: it gets the change through other nodes, and no checkpoint of its own shows it yet"
    }
  }
}

/// What one sync session showed of another node, per origin: what it said it held (its Hello),
/// how far this node sent to it, and how far it acknowledged (committed) what was sent.
public struct SessionMark: Equatable, Sendable {
  public var at: Date
  public var told: UInt64
  public var sent: UInt64
  public var acknowledged: UInt64

  public init(at: Date, told: UInt64, sent: UInt64, acknowledged: UInt64) {
    self.at = at
    self.told = told
    self.sent = sent
    self.acknowledged = acknowledged
  }
}

/// Everything `Reach` is decided from, for one change and one other node.
public struct ReachFacts: Equatable, Sendable {
  public var origin: NodeID
  public var sequence: UInt64
  public var node: NodeID
  public var audienceIncludesNode: Bool
  /// When the node's earliest checkpoint held here covers the change (nil: none does).
  public var provenSince: Date?
  /// The last sync session with the node, for the change's origin (nil: never synced, or the
  /// session ended before the node's Hello).
  public var lastSession: SessionMark?
  /// The node's last refusal of this very change.
  public var refusal: Refusal?
  public var contentHeldHere: Bool
  public var configuredPeer: Bool

  public init(
    origin: NodeID, sequence: UInt64, node: NodeID, audienceIncludesNode: Bool, provenSince: Date? = nil,
    lastSession: SessionMark? = nil, refusal: Refusal? = nil, contentHeldHere: Bool = true,
    configuredPeer: Bool = true
  ) {
    self.origin = origin
    self.sequence = sequence
    self.node = node
    self.audienceIncludesNode = audienceIncludesNode
    self.provenSince = provenSince
    self.lastSession = lastSession
    self.refusal = refusal
    self.contentHeldHere = contentHeldHere
    self.configuredPeer = configuredPeer
  }

  /// A change the node refused in a sync session, with the stable code it gave.
  public struct Refusal: Equatable, Sendable {
    public var code: String
    public var at: Date

    public init(code: String, at: Date) {
      self.code = code
      self.at = at
    }
  }

  /// The answer, strongest evidence first: the node's own signature over what it holds, then its
  /// word in the last session, then what this node saw it do.
  ///
  /// A refusal counts until the node's word covers the change: a node that refused a change does
  /// not store it, so its Hello stays below it until it accepts it (its CRL or clock caught up),
  /// and a later session acknowledging past it shows it accepted then. An acknowledgement in the
  /// session of the refusal does not count: the cursor of an acknowledged batch passes the
  /// changes it refused too.
  public var reach: Reach {
    if node == origin { return .origin }
    guard audienceIncludesNode else { return .outsideAudience(stubProvenSince: provenSince) }
    if let provenSince { return .proven(since: provenSince) }
    if let session = lastSession, session.told >= sequence { return .heldByItsWord(at: session.at) }
    if let refusal, !(lastSession.map { $0.at > refusal.at && $0.acknowledged >= sequence } ?? false) {
      return .refused(code: refusal.code, at: refusal.at)
    }
    if let session = lastSession, session.acknowledged >= sequence { return .heldByItsWord(at: session.at) }
    if let session = lastSession, session.sent >= sequence { return .sentNotAcknowledged(at: session.at) }
    if !contentHeldHere { return .contentNotHeldHere }
    return .notYetSent(lastSession: lastSession?.at, configuredPeer: configuredPeer)
  }
}
