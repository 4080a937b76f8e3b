import Foundation
import Testing

/// Issue 25, item 4: one write with a wrong clock used to lock a node out of its peers for as
/// long as the clock was off. A node that has heard its peers' clocks now refuses to sign while
/// its own is off, says by how much and against whom, and writes again once it is set right.
@Suite("A node refuses to sign while its peers say its clock is off")
struct ClockRefusalTests {
  @Test("two hours ahead, then two hours behind: refused with the offset and the peer; set right, it writes")
  func refusedThenFixed() async throws {
    let (jjj, yrd, _) = try await NodeProcess.clockStage("clock-off")
    defer { _ = yrd.stop() }
    jjj.clockOffset = "+2h"
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let ahead = try await jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s")
    #expect(
      ahead.failed(with: "node.clock-off") && ahead.stderr.contains("ahead of yrd")
        && ahead.stderr.contains("2 h"),
      "\(ahead)")
    #expect(try await jjj.cli("lead", "list").status == 0, "reads go on")
    jjj.clockOffset = nil
    let fixed = try await jjj.cli(
      "lead", "add", "--subject-name", "时钟已校准", "--violation", "forged-report", "--summary", "s", "--to",
      "yrd")
    #expect(fixed.status == 0, "\(fixed)")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(
      try await yrd.cli("lead", "list").stdout.contains("时钟已校准"), "the lead written after the fix reached yrd"
    )

    jjj.clockOffset = "-2h"
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let behind = try await jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s")
    #expect(behind.failed(with: "node.clock-off") && behind.stderr.contains("behind yrd"), "\(behind)")
    jjj.clockOffset = nil
    #expect(try await !jjj.addLead(subject: "又校准了").isEmpty)
  }
}

extension NodeProcess {
  /// The clock tests' stage: jjj and yrd of a federation made a day ago (so a clock set back
  /// hours still finds their certificates valid), introduced, yrd serving (with its HTTP API at
  /// `api`), jjj with yrd as its peer. The caller stops yrd.
  static func clockStage(_ label: String) async throws -> (jjj: NodeProcess, yrd: NodeProcess, api: String) {
    let federation = try TestFederation(label: label, madeOn: NationalAlgorithmTests.dayAgo)
    for node in ["jjj", "yrd"] { try federation.issue(node) }
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let api = try await yrd.serveAPI(interval: 60)
    do { try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)") } catch {
      _ = yrd.stop()
      throw error
    }
    return (jjj, yrd, api)
  }
}
