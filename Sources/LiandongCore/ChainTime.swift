import Foundation

/// When a change counts as made, and whether a node's clock allows it to count yet.
///
/// A change's stamp is its signer's clock. A clock that ran ahead stamps every later change of
/// the chain ahead too (times only increase along a chain), and peers cannot let such a change
/// count before their own clocks reach it. So a node that finds its clock fixed signs a clock
/// correction (`DomainOperation.Action.correctClock`): the one change that may be stamped
/// earlier than the change before it. The hash links prove that each change existed before every
/// later change of its chain was signed, so a change's **time in effect** is the earliest stamp
/// among it and every later change of its chain. Along a chain that never stepped back that is
/// its own stamp; a correction re-times exactly the changes before it stamped later than it, to
/// its own time. It cannot take a change earlier than the change before the ones it re-times,
/// which the signer could have stamped so in the first place.
///
/// Pure: a function of the chain's stamps, so nodes holding the same changes give them the same
/// times in effect, whenever and in whatever order they got them.
public enum ChainTime {
  /// The officer a correction names: the node signs it itself, for no person.
  public static let officer = "liandong"

  /// The times in effect of a chain's changes, given their stamps in sequence order.
  public static func inEffect(stamps: [HLCTimestamp]) -> [HLCTimestamp] {
    var result = stamps
    var earliest: HLCTimestamp? = nil
    for index in stamps.indices.reversed() {
      let time = min(stamps[index], earliest ?? stamps[index])
      result[index] = time
      earliest = time
    }
    return result
  }

  /// How far a change whose time in effect is `time` lies beyond what this node's clock allows
  /// (`nowMillis` plus the drift limit), or nil when it may count. Such a change is held with no
  /// effect, never refused: it counts once the clock reaches it or a correction re-times it.
  public static func aheadMillis(of time: HLCTimestamp, nowMillis: UInt64, maximumDriftMillis: UInt64)
    -> UInt64?
  {
    let allowed = nowMillis &+ maximumDriftMillis
    return time.wallMillis > allowed ? time.wallMillis - nowMillis : nil
  }

  /// Why a change stamped ahead is withheld, for `verify`, `status` and the change's history.
  public static func withheldReason(aheadMillis: UInt64) -> String {
    "stamped \(ClockAgreement.amountText(millis: Int64(clamping: aheadMillis))) ahead of this node's clock; "
      + "it counts once the clock reaches it, or its origin signs a clock correction"
  }

  /// Whether a change whose stamp is not later than its predecessor's may stand: only one that
  /// carries a clock correction.
  public static func mayStepBack(_ body: ChangeBody?) -> Bool {
    body?.operations.contains { $0.action == .correctClock } ?? false
  }
}
