import Foundation
import LiandongStore

extension NodeApp {
  /// The operator of a node whose own chain forked (a restored backup, a snapshot rolled back)
  /// says which of its two changes stands. Every node that receives the checkpoint carrying it
  /// applies it as this one does: the other change and what followed it stay as evidence with no
  /// effect, and the node writes again once it has heard from its peers.
  public func keepOwnFork(_ change: String, now: Date = Date()) throws -> ForkDecisionResult {
    let choice = try home.keepOwnFork(change, now: now)
    return ForkDecisionResult(
      choice: choice,
      fork: try store.forks().first { $0.origin == node.rawValue && $0.sequence == choice.sequence },
      waitingFor: try home.catchUpWaitingFor(), quarantined: try store.quarantinedOrigins())
  }
}

extension NodeApp {
  /// Whether `caller` may decide `fork` here now: a fork of this node's own chain that no one has
  /// decided and this node's key has not made contested, by an operator.
  public func mayKeep(_ fork: ForkView, by caller: Caller) -> Bool {
    fork.origin == node.rawValue && fork.kept == nil && !fork.contested && caller.may(.operateNode)
  }
}

/// What deciding a fork did, for printing or `--json`.
public struct ForkDecisionResult: Codable, Sendable {
  public var choice: OwnForkChoice
  public var fork: ForkView?
  /// The peers this node must hear from before it signs again, if the decision cut its chain.
  public var waitingFor: [String]?
  /// The origins still quarantined here.
  public var quarantined: [String]
}
