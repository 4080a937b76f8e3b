import Foundation
import Testing

/// `liandong sync` tells the truth in its exit status: a session that completed but in which
/// changes were refused, or a node quarantined for a fork of its own chain, is a failure.
@Suite("The exit status of sync")
struct SyncExitStatusTests {
  @Test(
    "a copy of a node's folder that writes too: its sync fails with the refusal, then with its quarantine")
  func forkedCopy() async throws {
    let federation = try TestFederation(label: "sync-exit", nodes: ["jjj", "yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let jjj = try await NodeProcess("jjj", federation: federation)
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    #expect(try await jjj.cli("sync", "yrd").status == 0)

    // A copy of jjj's folder (a stolen key, a copied virtual machine) signs its own next change.
    let copyData = temporaryDirectory("sync-exit-copy").appendingPathComponent("jjj")
    try FileManager.default.copyItem(at: jjj.data, to: copyData)
    let copy = NodeProcess(existing: "jjj", data: copyData)
    for (node, summary) in [(jjj, "genuine"), (copy, "copy")] {
      #expect(
        try await node.cli(
          "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", summary
        )
        .status == 0)
    }
    let genuine = try await jjj.cli("sync", "yrd")
    #expect(genuine.status == 0, "\(genuine)")

    // yrd refuses the copy's change and shows it the fork in the same session: the copy is
    // quarantined (its exit status), and the refusal is named too.
    let refused = try await copy.cli("sync", "yrd", "--json")
    #expect(refused.status == 4, "\(refused)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any])
    let failures = report["failed"] as? [[String: Any]] ?? []
    #expect(failures.compactMap { $0["code"] as? String } == ["node.quarantined", "sync.changes-refused"])
    #expect(
      (failures.last?["message"] as? String)?.hasPrefix("yrd refused 1 of this node's changes: change.fork")
        == true,
      "\(refused)")
    let again = try await copy.cli("sync", "yrd")
    #expect(again.failed(with: "node.quarantined") && again.stderr.contains("every node refuses"), "\(again)")
    // The genuine node learns of the fork too: both copies signed with its key, and until an
    // operator decides which is genuine, every node refuses its new changes.
    let genuineAfter = try await jjj.cli("sync", "yrd")
    #expect(genuineAfter.failed(with: "node.quarantined"), "\(genuineAfter)")
    #expect(genuineAfter.stderr.contains("signed two different changes with sequence 2"), "\(genuineAfter)")
  }
}
