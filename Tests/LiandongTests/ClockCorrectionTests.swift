import Foundation
import Testing

/// Issue 25, item 4: a node that wrote with its clock two hours ahead, before any peer could tell
/// it, used to have that change and every later one refused by its peers until real time caught
/// up (`change.time-ahead`, then `change.gap`). Now the peer holds them with no effect, and the
/// first sync after the clock is set right signs a clock correction that makes them count.
@Suite("A node that wrote ahead recovers at the first sync after its clock is set right")
struct ClockCorrectionTests {
  @Test("written two hours ahead: held by the peer; clock set right; one sync, and it counts there")
  func recovers() async throws {
    let (jjj, yrd, base) = try await NodeProcess.clockStage("clock-fix")
    func withheldForClock() throws -> Double? {
      try MetricsTests.samples(try curl("GET", base + "/metrics").body)[
        #"liandong_withheld_changes{reason="clock"}"#]
    }
    defer { _ = yrd.stop() }

    // No peer heard yet: jjj cannot know its clock is off, and writes.
    jjj.clockOffset = "+2h"
    let ahead = try await jjj.addLead(subject: "时钟超前", to: "yrd")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let held = try await yrd.cli("lead", "show", ahead)
    #expect(
      held.failed(with: "object.withheld") && held.stderr.contains("ahead of this node's clock"), "\(held)")
    #expect(try await yrd.cli("verify").stdout.contains("withheld jjj#"))
    #expect(try withheldForClock() == 1, "an operator sees it in /metrics")

    // The clock is set right: the sync hears yrd agree, signs the correction and sends it at once.
    jjj.clockOffset = nil
    let fixed = try await jjj.cli("sync", "yrd")
    #expect(fixed.status == 0 && fixed.stdout.contains("clock correction"), "\(fixed)")
    let shown = try await yrd.cli("lead", "show", ahead)
    #expect(shown.status == 0 && shown.stdout.contains("时钟超前"), "\(shown)")
    let history = try await yrd.cli("history", ahead)
    #expect(history.stdout.contains("its clock correction re-timed it"), "\(history)")
    #expect(try withheldForClock() == 0)
    let verified = try await yrd.cli("verify")
    #expect(
      verified.status == 0 && !verified.stdout.contains("withheld"), "the correction verifies: \(verified)")

    // jjj signs on from its own clock: the next lead counts on yrd at once.
    let after = try await jjj.addLead(subject: "校准以后", to: "yrd")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(try await yrd.cli("lead", "show", after).status == 0)

    // The API and the console show the time in effect, and the stamp beside it.
    let token = try await yrd.token("wang.fang", role: "officer")
    _ = try yrd.setPassword("wang.fang", "校准以后 fixed clock")
    let entries = try curl("GET", base + "/v1/objects/\(ahead)/history", token: token)
    #expect(entries.status == 200 && entries.body.contains("\"stamped\""), "\(entries)")
    var visit = ConsoleVisit(base: base)
    #expect(try visit.login("wang.fang", "校准以后 fixed clock").location == "/console/")
    let page = try visit.get("/console/leads/\(ahead)")
    #expect(page.status == 200 && page.body.contains("已校正"), "\(page.status)")
  }
}
