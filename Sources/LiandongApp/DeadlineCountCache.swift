import Foundation
import LiandongCore
import LiandongStore
import Synchronization

/// The open deadlines by kind and urgency that `/metrics` and the node page show, counted again
/// only when it can have changed: the China day turned (working days left count by day), or the
/// node holds other changes and the last count is a minute old, or an hour passed (the calendar
/// file may have been replaced). Counting reads every open lead, request and hand-off, far too
/// much for each scrape of a large node while it ingests a sync; a gauge a minute late is not.
final class DeadlineCountCache: Sendable {
  /// How long a count stands while the node keeps changing.
  static let whileChanging: TimeInterval = 60
  /// How long a count stands while nothing changes.
  static let atMost: TimeInterval = 3_600

  private struct Entry {
    var day: CivilDate
    var heldChanges: UInt64
    var countedAt: Date
    var counts: [OperatorFigures.DeadlineCount]?
  }

  private let entry = Mutex<Entry?>(nil)

  /// The counts as of `now` for a node holding `heldChanges` changes: the last ones when they
  /// stand, else what `count` returns (nil when the calendar cannot count them).
  func counts(
    now: Date, heldChanges: UInt64, count: () throws -> [OperatorFigures.DeadlineCount]?
  ) rethrows -> [OperatorFigures.DeadlineCount]? {
    let day = CivilDate(chinaDayOf: now.unixMillis)
    if let last = entry.withLock({ $0 }), last.day == day {
      let age = now.timeIntervalSince(last.countedAt)
      if age >= 0, age < Self.atMost, last.heldChanges == heldChanges || age < Self.whileChanging {
        return last.counts
      }
    }
    let counts = try count()
    entry.withLock { $0 = Entry(day: day, heldChanges: heldChanges, countedAt: now, counts: counts) }
    return counts
  }
}
