import LiandongCore
import Synchronization

/// How many sessions each peer may hold open with this node at once. A node dials each peer once
/// per interval, so an honest peer rarely has more than one open; a peer opening hundreds (a
/// hostile or broken one) is turned away after the handshake, before a session, a store read or a
/// buffer is spent on it, and the other peers are served as before.
public final class SessionAdmission: Sendable {
  public static let defaultLimit = 4
  public let limit: Int
  private let open = Mutex<[NodeID: Int]>([:])

  public init(limit: Int = SessionAdmission.defaultLimit) { self.limit = max(1, limit) }

  /// Takes a place for `peer`, or returns false if it holds `limit` already.
  public func admit(_ peer: NodeID) -> Bool {
    open.withLock { counts in
      let held = counts[peer, default: 0]
      guard held < limit else { return false }
      counts[peer] = held + 1
      return true
    }
  }

  public func release(_ peer: NodeID) {
    open.withLock { counts in
      let held = counts[peer, default: 0]
      counts[peer] = held > 1 ? held - 1 : nil
    }
  }
}
