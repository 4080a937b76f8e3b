import Foundation

/// A peer's clock as this node last saw it: the time its Hello carried, minus this node's clock
/// when the Hello arrived (negative when this node is ahead), and when that was, by this node's
/// clock.
public struct PeerClockReading: Sendable, Equatable, Codable {
  public var peer: String
  public var offsetMillis: Int64
  public var measuredAtMillis: UInt64

  public init(peer: String, offsetMillis: Int64, measuredAtMillis: UInt64) {
    self.peer = peer
    self.offsetMillis = offsetMillis
    self.measuredAtMillis = measuredAtMillis
  }
}

/// Whether this node may sign with its clock as it stands. A change takes this node's time,
/// and its hybrid logical clock never goes back: one change signed two hours ahead stamps every
/// later one two hours ahead too, and peers refuse them all until real time catches up; one
/// signed behind backdates a receipt and the revocation check of its signer. So a node that
/// knows its clock is off refuses to sign, rather than discover it from its peers' refusals.
///
/// It knows from its peers' Hellos. The rule, the same for every write:
/// - Readings older than an hour say nothing (the clock may have been set since), nor do
///   readings taken "later" than now by more than the drift limit (the clock was set back since).
/// - If a strict majority of the remaining readings put this node's clock off by more than the
///   drift limit, in the same direction, the node refuses, naming those peers and the median
///   offset. One peer's word is enough when it is the only one heard; with two, both must agree.
/// - With no fresh reading the node does not know, and writes.
///
/// Fixing the clock lifts the refusal at once when the node was ahead (the readings are then in
/// its future); when it was behind, the next sync replaces the readings (or they age out).
public enum ClockAgreement {
  /// How long a peer's reading stands for this node's clock.
  public static let freshnessMillis: UInt64 = 3_600_000

  public enum Verdict: Sendable, Equatable {
    /// No peer heard from recently: nothing to judge by.
    case unknown
    /// The peers heard from recently agree, within the drift limit.
    case agrees
    /// This node's clock is `aheadMillis` ahead of the peers named (negative: behind).
    case off(aheadMillis: Int64, peers: [String])
  }

  public static func judge(
    _ readings: [PeerClockReading], nowMillis: UInt64, maximumDriftMillis: UInt64
  ) -> Verdict {
    let fresh = readings.filter {
      $0.measuredAtMillis <= nowMillis + maximumDriftMillis
        && $0.measuredAtMillis + freshnessMillis >= nowMillis
    }
    guard !fresh.isEmpty else { return .unknown }
    let limit = Int64(clamping: maximumDriftMillis)
    // A peer behind this node's clock means this node is ahead.
    let ahead = fresh.filter { $0.offsetMillis < -limit }
    let behind = fresh.filter { $0.offsetMillis > limit }
    for side in [ahead, behind] where side.count * 2 > fresh.count {
      let offsets = side.map(\.offsetMillis).sorted()
      return .off(aheadMillis: -offsets[offsets.count / 2], peers: side.map(\.peer).sorted())
    }
    return .agrees
  }

  /// An offset as a person reads it: "2 h 5 min", "7 min 30 s", "45 s".
  public static func amountText(millis: Int64) -> String {
    let seconds = Int(abs(millis) / 1000)
    if seconds >= 3600 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
    if seconds >= 60 { return "\(seconds / 60) min \(seconds % 60) s" }
    return "\(seconds) s"
  }
}
