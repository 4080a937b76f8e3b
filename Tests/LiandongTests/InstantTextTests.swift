import Foundation
import LiandongCrypto
import Testing

/// Instants are written as `2026-12-03T08:00:00Z` and read back by hand (`Date(iso8601:)`), on
/// every request that carries a token.
@Suite("Instants written and read as ISO 8601")
struct InstantTextTests {
  @Test("what iso8601 writes reads back to the same second, for any second from 1970 to 2200 (seed printed)")
  func roundTrip() {
    var random = SeededGenerator(seed: replayableSeed("InstantTextTests"))
    for _ in 0..<5_000 {
      let second = TimeInterval(UInt64.random(in: 0...7_258_118_400, using: &random))
      let date = Date(timeIntervalSince1970: second)
      #expect(Date(iso8601: date.iso8601) == date, "\(date.iso8601)")
    }
  }

  @Test("other ISO 8601 forms read through a formatter; what is not an instant reads as nothing")
  func otherForms() {
    #expect(Date(iso8601: "2026-12-03T16:00:00+08:00") == Date(iso8601: "2026-12-03T08:00:00Z"))
    #expect(Date(iso8601: "2026-12-03T08:00:00Z")?.timeIntervalSince1970 == 1_796_284_800)
    for text in [
      "", "2026-12-03", "2026-13-03T08:00:00Z", "2026-12-03T08:00:0xZ", "yesterday", "2026-12-03T25:00:00Z",
    ] {
      #expect(Date(iso8601: text) == nil, "\(text)")
    }
  }
}
