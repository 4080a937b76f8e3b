import Foundation
import LiandongCore
import Testing

/// The command line of a hand-off's aftermath: sharing with the new owner, and resolving acts
/// made at once.
@Suite("handoff share and handoff resolve on the command line")
struct HandOffShareCLITests {
  @Test(
    "the sender shares history and evidence; the new owner fetches the file, and its receipt reaches the sender"
  )
  func shareAfterAcceptance() async throws {
    let federation = try TestFederation(label: "share", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    try await jjj.cli("peer", "add", "prd", "prd.example.org:7420")
    func id(_ result: ProcessResult) -> String {
      result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    // The lead and its screenshot were shared with prd only.
    let lead = id(
      try await jjj.cli(
        "lead", "add", "--subject-name", "速通检测", "--violation", "forged-report", "--summary",
        "one-day reports",
        "--to", "prd"))
    let file = temporaryDirectory("share").appendingPathComponent("listing.png")
    let content = randomBytes(200_000, seed: 5)
    try content.write(to: file)
    let evidence = id(
      try await jjj.cli(
        "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot"))
    #expect(
      try await jjj.cli(
        "handoff", "offer", lead, "--to", "yrd", "--letter", "operates in Shanghai", "--evidence", evidence
      )
      .status == 0)
    try await jjj.carry(to: yrd)
    // Nothing to share before the new owner holds the case.
    let early = try await jjj.cli("handoff", "share", lead)
    #expect(early.status != 0 && early.stderr.contains("handoff.nothing-to-share"), "\(early)")
    #expect(try await yrd.cli("handoff", "accept", lead).status == 0)
    try await yrd.carry(to: jjj)
    #expect(try await yrd.cli("evidence", "show", evidence).status != 0)
    let notMine = try await yrd.cli("handoff", "share", lead)
    #expect(notMine.status != 0 && notMine.stderr.contains("handoff.nothing-to-share"), "\(notMine)")

    let shared = try await jjj.cli("handoff", "share", lead, "--json")
    #expect(shared.status == 0, "\(shared)")
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(shared.stdout.utf8)) as? [String: Any])
    #expect(summary["evidence"] as? [String] == [evidence] && (summary["historyEntries"] as? Int ?? 0) >= 3)

    // yrd syncs with jjj: the change arrives, then the file, checked against its hash.
    try await jjj.serve()
    defer { _ = jjj.stop() }
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let sync = try await yrd.cli("sync", "jjj")
    #expect(sync.status == 0, "\(sync)")
    let view = try await #require(
      try JSONSerialization.jsonObject(
        with: Data(try yrd.cli("evidence", "show", evidence, "--json").stdout.utf8))
        as? [String: Any])
    #expect(view["file"] as? String == "held")
    let custody = (view["custody"] as? [[String: Any]] ?? []).map { "\($0["node"]!) \($0["event"]!)" }
    #expect(custody == ["jjj handed-over", "yrd received"], "\(custody)")
    let history = try await yrd.cli("history", lead).stdout
    #expect(history.contains("created the lead") && history.contains("as jjj described it"), "\(history)")
    // The receipt travels back to the sender on the next sync.
    #expect(try await yrd.cli("sync", "jjj").status == 0)
    #expect(
      try await eventually {
        try await jjj.cli("evidence", "show", evidence).stdout.contains("received")
      })
    // Evidence goes to named bureaus only.
    let toAll = try await jjj.cli("evidence", "share", evidence, "--to", "all")
    #expect(toAll.status != 0 && toAll.stderr.contains("usage.share-to"), "\(toAll)")
  }

  @Test(
    "an acceptance crossing a withdrawal is listed by conflicts on both sides; the withdrawing bureau lets it stand"
  )
  func resolveOnTheCommandLine() async throws {
    let federation = try TestFederation(label: "cross", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", "s", "--to", "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try await jjj.cli("handoff", "offer", lead, "--to", "yrd", "--letter", "l").status == 0)
    try await jjj.carry(to: yrd)
    #expect(try await yrd.cli("handoff", "accept", lead).status == 0)
    #expect(try await jjj.cli("handoff", "withdraw", lead, "--reason", "changed our mind").status == 0)
    try await jjj.carry(to: yrd)
    try await yrd.carry(to: jjj)
    var keep = ""
    for node in [jjj, yrd] {
      let conflicts = try await #require(
        try JSONSerialization.jsonObject(with: Data(try node.cli("conflicts", "--json").stdout.utf8))
          as? [[String: Any]])
      let acts = try #require(conflicts.first { $0["kind"] as? String == "hand-off" }?["acts"] as? String)
      #expect(acts.contains("yrd accept") && acts.contains("jjj withdraw"), "\(acts)")
      keep = String(acts.split(separator: "(")[1].split(separator: ")")[0])
    }
    let blocked = try await yrd.cli("handoff", "object", lead, "--reason", "r")
    #expect(blocked.status != 0 && blocked.stderr.contains("op.in-conflict"), "\(blocked)")
    let resolved = try await jjj.cli("handoff", "resolve", lead, "--keep", keep)
    #expect(resolved.status == 0, "\(resolved)")
    try await jjj.carry(to: yrd)
    #expect(try await yrd.cli("lead", "show", lead, "--json").stdout.contains("\"owner\" : \"yrd\""))
    #expect(try await yrd.cli("conflicts").stdout.contains("no conflicts"))
  }
}
