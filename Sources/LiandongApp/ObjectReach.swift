import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore

/// Where an object's changes have got to at one other node, and why not where they have not.
public struct ObjectReach: Codable, Sendable, Equatable {
  public var object: String
  public var node: String
  /// Whether the node holds the content of every change of the object in its audience (and is in
  /// the audience of one at least).
  public var arrived: Bool
  /// Whether the node is in the audience of any change of the object at all.
  public var inAudience: Bool
  public var changes: [ChangeReach]
}

/// One change of the object at one node.
public struct ChangeReach: Codable, Sendable, Equatable {
  public var change: String
  /// The change's origin, when it counts as made, and what it did.
  public var origin: String
  public var time: String
  public var what: String
  /// As in `HistoryEntry`: the kind of act by a stable name, and the words written with it.
  public var action: String?
  public var words: String?
  /// `Reach.state`: origin, proven, outside-audience, held-by-its-word, refused,
  /// sent-not-acknowledged, content-not-held-here or not-yet-sent.
  public var state: String
  /// The time the state refers to (proven since, the session that showed it), if any.
  public var since: String?
  /// The node's stable code, for a refusal.
  public var code: String?
  /// For not-yet-sent: whether this node syncs with the node itself.
  public var configuredPeer: Bool?
  public var explanation: String

  init(_ entry: HistoryEntry, change: String, reach: Reach) {
    self.change = change
    origin = entry.node
    time = entry.time
    what = entry.what
    action = entry.action
    words = entry.words
    state = reach.state
    explanation = reach.description
    switch reach {
    case .proven(let since): self.since = since.iso8601
    case .outsideAudience(let stub): self.since = stub?.iso8601
    case .heldByItsWord(let at), .sentNotAcknowledged(let at): self.since = at.iso8601
    case .refused(let code, let at):
      self.since = at.iso8601
      self.code = code
    case .notYetSent(let last, let configured):
      self.since = last?.iso8601
      configuredPeer = configured
    case .origin, .contentNotHeldHere: break
    }
  }
}

extension NodeApp {
  /// Why `object` has or has not reached each of `nodes` (every other node known here when
  /// empty), change by change, from this node's log, the checkpoints it holds and its last sync
  /// session with each node.
  public func reach(of object: ObjectID, at nodes: [String] = []) throws -> [ObjectReach] {
    let known = try knownNodes()
    let targets =
      try nodes.isEmpty ? known.subtracting([node]).sorted() : nodes.map { try reachTarget($0, known) }
    // Each change once, in the order of the object's story; entries only shared by a hand-off
    // were never held here and have no reach to tell.
    var seen = Set<String>()
    let history = try views.history(of: object)
    guard !history.isEmpty else { throw StoreError.notFound(kind: "object", id: object.description) }
    let entries = history.compactMap { entry -> (HistoryEntry, ChangeID)? in
      guard entry.sharedBy == nil, let hex = entry.operation.split(separator: ":").first,
        seen.insert(String(hex)).inserted, let id = Data(hex: String(hex)).flatMap(ChangeID.init(bytes:))
      else { return nil }
      return (entry, id)
    }
    let configured = Set(try store.peers().map(\.node))
    return try targets.map { target in
      let facts = try store.reachFacts(
        of: entries.map(\.1), at: target, configuredPeer: configured.contains(target.rawValue))
      let changes = entries.compactMap { entry, id in
        facts[id].map { ChangeReach(entry, change: id.hex, reach: $0.reach) }
      }
      let inAudience = facts.values.contains { $0.audienceIncludesNode }
      return ObjectReach(
        object: object.description, node: target.rawValue,
        arrived: inAudience && facts.values.allSatisfy { $0.reach.arrived || !$0.audienceIncludesNode },
        inAudience: inAudience, changes: changes)
    }
  }

  private func reachTarget(_ text: String, _ known: Set<NodeID>) throws -> NodeID {
    let id = try? NodeID(text)
    guard let id, known.contains(id), id != node else {
      let others = known.subtracting([node]).map(\.rawValue).sorted().joined(separator: ", ")
      throw Failure(
        code: "reach.unknown-node",
        message: id == node
          ? "\(text) is this node itself: name another node (known here: \(others))"
          : "no node \"\(text)\" is known here (known: \(others.isEmpty ? "none yet" : others))")
    }
    return id
  }
}
