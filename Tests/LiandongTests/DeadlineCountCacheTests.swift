import Foundation
import Testing

@testable import LiandongApp

/// `/metrics` counts open deadlines again only when they can have changed, so that scrapes of a
/// large node while it ingests do not each read every open lead.
@Suite("Deadline counts kept between scrapes")
struct DeadlineCountCacheTests {
  @Test("counted again when the China day turns, after a minute of changes, or after an hour; otherwise kept")
  func recounts() throws {
    let cache = DeadlineCountCache()
    var counted = 0
    func scrape(_ now: Date, changes: UInt64) -> Int? {
      cache.counts(now: now, heldChanges: changes) {
        counted += 1
        return [.init(kind: "request", urgency: "ok", count: counted)]
      }?.first?.count
    }
    // 2026-12-04 10:00 in China (02:00 UTC).
    let morning = Date(timeIntervalSince1970: 1_796_349_600)
    #expect(scrape(morning, changes: 10) == 1)
    #expect(scrape(morning.addingTimeInterval(15), changes: 10) == 1, "nothing changed")
    #expect(scrape(morning.addingTimeInterval(30), changes: 11) == 1, "changed, but counted 30 s ago")
    #expect(
      scrape(morning.addingTimeInterval(61), changes: 12) == 2, "changed, and the count is a minute old")
    #expect(
      scrape(morning.addingTimeInterval(61 + 3_000), changes: 12) == 2, "nothing changed for 50 minutes")
    #expect(
      scrape(morning.addingTimeInterval(61 + 3_600), changes: 12) == 3,
      "an hour: the calendar may have changed")
    // 23:59:50 and 00:00:10 China time: a new day counts working days anew at once.
    let midnight = Date(timeIntervalSince1970: 1_796_400_000)
    #expect(scrape(midnight.addingTimeInterval(-10), changes: 12) == 4)
    #expect(scrape(midnight.addingTimeInterval(10), changes: 12) == 5)
    // A clock set back is no reason to trust an old count.
    #expect(scrape(midnight.addingTimeInterval(5), changes: 12) == 6)
    #expect(counted == 6)
  }
}
