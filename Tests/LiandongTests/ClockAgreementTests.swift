import Foundation
import LiandongCore
import Testing

/// `ClockAgreement`: when a node's own writes are refused because its peers' Hellos put its
/// clock off. What peers depend on: a node that knows its clock is wrong does not sign changes
/// they would refuse (ahead) or that backdate a receipt (behind); one that does not know, or
/// whose peers disagree among themselves, goes on writing.
@Suite("A node's clock judged by its peers' Hellos")
struct ClockAgreementTests {
  static let now: UInt64 = 1_796_083_200_000
  static let drift: UInt64 = 300_000

  func reading(_ peer: String, _ offsetSeconds: Int64, agoSeconds: Int64 = 60) -> PeerClockReading {
    PeerClockReading(
      peer: peer, offsetMillis: offsetSeconds * 1000,
      measuredAtMillis: UInt64(Int64(Self.now) - agoSeconds * 1000))
  }

  func judge(_ readings: [PeerClockReading]) -> ClockAgreement.Verdict {
    ClockAgreement.judge(readings, nowMillis: Self.now, maximumDriftMillis: Self.drift)
  }

  @Test("no reading, or only old ones, or ones from this clock's future: the node does not know")
  func unknown() {
    #expect(judge([]) == .unknown)
    #expect(judge([reading("yrd", -7200, agoSeconds: 3601)]) == .unknown)
    // Measured two hours "later" than now: the clock was set back since.
    #expect(judge([reading("yrd", -7200, agoSeconds: -7200)]) == .unknown)
  }

  @Test("one peer heard, two hours behind this clock: this node is two hours ahead")
  func onePeerAhead() {
    #expect(judge([reading("yrd", -7200)]) == .off(aheadMillis: 7_200_000, peers: ["yrd"]))
    #expect(judge([reading("yrd", 7200)]) == .off(aheadMillis: -7_200_000, peers: ["yrd"]))
    #expect(judge([reading("yrd", -299)]) == .agrees)
  }

  @Test("a strict majority decides, with the median offset; a split says nothing")
  func majority() {
    #expect(judge([reading("yrd", -7200), reading("jjj", 0)]) == .agrees)
    #expect(
      judge([reading("yrd", -7200), reading("jjj", -3600), reading("prd", -5400), reading("sh", 2)])
        == .off(aheadMillis: 5_400_000, peers: ["jjj", "prd", "yrd"]))
    // Off on both sides, neither a majority.
    #expect(judge([reading("yrd", -7200), reading("jjj", 7200), reading("prd", 0)]) == .agrees)
    // An old reading does not count towards the majority.
    #expect(
      judge([reading("yrd", -7200), reading("jjj", 0, agoSeconds: 7200)])
        == .off(aheadMillis: 7_200_000, peers: ["yrd"]))
  }

  @Test("offsets read as a person reads them")
  func text() {
    #expect(ClockAgreement.amountText(millis: 7_260_000) == "2 h 1 min")
    #expect(ClockAgreement.amountText(millis: -450_000) == "7 min 30 s")
    #expect(ClockAgreement.amountText(millis: 45_000) == "45 s")
  }
}
