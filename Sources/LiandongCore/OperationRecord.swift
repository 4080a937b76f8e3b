import Foundation

/// An operation together with what the fold needs from its change: who, when, to whom.
public struct OperationRecord: Sendable, Equatable {
  public var order: OrderKey
  public var officer: String
  public var audience: Audience
  public var operation: DomainOperation

  public init(order: OrderKey, officer: String, audience: Audience, operation: DomainOperation) {
    self.order = order
    self.officer = officer
    self.audience = audience
    self.operation = operation
  }

  public var origin: NodeID { order.origin }
}

/// The total order every node replays operations in: HLC, then origin, then change hash, then
/// position in the change. Arrival order never enters it.
public struct OrderKey: Comparable, Hashable, Sendable {
  /// The change's time in effect (`ChainTime`): its stamp, unless a later clock correction of
  /// its chain re-timed it.
  public var time: HLCTimestamp
  public var origin: NodeID
  /// Changes a correction re-timed share one time; their chain's order still stands between them.
  public var sequence: UInt64
  public var change: ChangeID
  public var index: Int

  public init(time: HLCTimestamp, origin: NodeID, sequence: UInt64, change: ChangeID, index: Int) {
    self.time = time
    self.origin = origin
    self.sequence = sequence
    self.change = change
    self.index = index
  }

  public static func < (a: OrderKey, b: OrderKey) -> Bool {
    if a.time != b.time { return a.time < b.time }
    if a.origin != b.origin { return a.origin < b.origin }
    if a.sequence != b.sequence { return a.sequence < b.sequence }
    if a.change != b.change { return a.change < b.change }
    return a.index < b.index
  }
}

/// An operation that is kept in the log but had no effect, and why.
public struct OperationRefusal: Sendable, Equatable, Codable {
  public var change: String
  public var index: Int
  public var objectID: String
  public var origin: String
  public var code: String
  public var reason: String

  public init(change: String, index: Int, objectID: String, origin: String, code: String, reason: String) {
    self.change = change
    self.index = index
    self.objectID = objectID
    self.origin = origin
    self.code = code
    self.reason = reason
  }
}
