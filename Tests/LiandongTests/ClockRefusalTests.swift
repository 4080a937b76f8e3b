import Foundation
import Testing

/// Issue 25, item 4: one write with a wrong clock used to lock a node out of its peers for as
/// long as the clock was off. A node that has heard its peers' clocks now refuses to sign while
/// its own is off, says by how much and against whom, and writes again once it is set right.
@Suite("A node refuses to sign while its peers say its clock is off")
struct ClockRefusalTests {
  @Test("two hours ahead, then two hours behind: refused with the offset and the peer; set right, it writes")
  func refusedThenFixed() async throws {
    let federation = try TestFederation(label: "clock-off", madeOn: NationalAlgorithmTests.dayAgo)
    for node in ["jjj", "yrd"] { try federation.issue(node) }
    let jjj = try NodeProcess("jjj", federation: federation)
    let yrd = try NodeProcess("yrd", federation: federation)
    try jjj.introduce(to: yrd)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    jjj.clockOffset = "+2h"
    #expect(try jjj.cli("sync", "yrd").status == 0)
    let ahead = try jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s")
    #expect(
      ahead.failed(with: "node.clock-off") && ahead.stderr.contains("ahead of yrd")
        && ahead.stderr.contains("2 h"),
      "\(ahead)")
    #expect(try jjj.cli("lead", "list").status == 0, "reads go on")
    jjj.clockOffset = nil
    let fixed = try jjj.cli(
      "lead", "add", "--subject-name", "时钟已校准", "--violation", "forged-report", "--summary", "s", "--to",
      "yrd")
    #expect(fixed.status == 0, "\(fixed)")
    #expect(try jjj.cli("sync", "yrd").status == 0)
    #expect(
      try yrd.cli("lead", "list").stdout.contains("时钟已校准"), "the lead written after the fix reached yrd")

    jjj.clockOffset = "-2h"
    #expect(try jjj.cli("sync", "yrd").status == 0)
    let behind = try jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s")
    #expect(behind.failed(with: "node.clock-off") && behind.stderr.contains("behind yrd"), "\(behind)")
    jjj.clockOffset = nil
    #expect(try !jjj.addLead(subject: "又校准了").isEmpty)
  }
}
