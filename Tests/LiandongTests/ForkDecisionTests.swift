import Foundation
import LiandongCore
import LiandongTesting
import Testing

@Suite("Fork decisions by the federation authority")
struct ForkDecisionTests {
  private func json(_ result: ProcessResult) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
  }

  private func jsonValue(_ result: ProcessResult) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
  }

  private func leadSummaries(_ node: NodeProcess) async throws -> String {
    try await node.cli("lead", "list").stdout
  }

  /// Each node holds the kept branch and the lead written after the decision, not the
  /// superseded one; none quarantines jjj; each shows who decided; all fold the same projections
  /// and verify. Returns the projection digests (one).
  private func expectDecidedEverywhere(_ nodes: [NodeProcess], kept: String, by decider: String) async throws
    -> Set<String>
  {
    var digests = Set<String>()
    for node in nodes {
      let leads = try await leadSummaries(node)
      #expect(
        leads.contains("kept branch") && leads.contains("after the decision")
          && !leads.contains("superseded branch"), "\(node.name): \(leads)")
      let status = try await json(node.cli("status", "--json"))
      #expect((status["quarantined"] as? [String])?.isEmpty == true, "\(node.name): \(status)")
      let decision = (status["forks"] as? [[String: Any]])?.first
      #expect(
        decision?["kept"] as? String == kept && decision?["decidedBy"] as? String == decider,
        "\(node.name): \(status)")
      digests.insert(status["projectionDigest"] as? String ?? "")
      #expect(try await node.cli("verify").status == 0, "\(node.name)")
    }
    #expect(digests.count == 1, "\(digests)")
    return digests
  }

  private func lead(_ summary: String) -> [String] {
    ["lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", summary, "--to", "all"]
  }

  /// jjj, restored from a backup, forks its chain: a change signed after the backup reached yrd
  /// only ("kept branch"); the restored node, heard only by prd, signs another with the same
  /// sequence number ("superseded branch"), then meets yrd and is quarantined. yrd and prd serve
  /// (the caller stops them).
  private func restoredFork(_ label: String) async throws -> (
    federation: TestFederation, restored: NodeProcess, yrd: NodeProcess, prd: NodeProcess
  ) {
    let (federation, jjj, yrd, prd) = try await NodeProcess.jjjWithTwoServingPeers(label)
    let archive = temporaryDirectory(label).appendingPathComponent("jjj.tar")
    #expect(try await jjj.cli("backup", "--out", archive.path).status == 0)
    #expect(try await jjj.cli(lead("kept branch")).status == 0)
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let restoredData = temporaryDirectory("\(label)-restored").appendingPathComponent("jjj")
    #expect(
      try await run(liandongBinary.path, ["restore", archive.path, "--data", restoredData.path]).status == 0)
    let restored = NodeProcess(existing: "jjj", data: restoredData)
    #expect(try await restored.cli("sync", "prd", "--accept-fork-risk").status == 0)
    #expect(try await restored.cli(lead("superseded branch")).status == 0)
    #expect(try await restored.cli("sync", "prd").status == 0)
    let forked = try await restored.cli("sync", "yrd")
    #expect(forked.failed(with: "node.quarantined") && forked.stderr.contains("fork keep"), "\(forked)")
    return (federation, restored, yrd, prd)
  }

  @Test(
    "a restored node forks its chain; the CA decides which change stands; every node applies it, the node catches up and writes again, and all agree"
  )
  func restoredForkDecided() async throws {
    let (federation, restored, yrd, prd) = try await restoredFork("fork-decided")
    defer { _ = (yrd.stop(), prd.stop()) }

    // The fork met itself: the node is quarantined everywhere and cannot write.
    let blocked = try await restored.cli(lead("while quarantined"))
    #expect(blocked.status != 0 && blocked.stderr.contains("quarantined"), "\(blocked)")
    let fork = try await #require((try json(yrd.cli("status", "--json"))["forks"] as? [[String: Any]])?.first)
    #expect(fork["origin"] as? String == "jjj" && fork["kept"] == nil, "\(fork)")
    // yrd held the change signed before the restore first.
    let kept = try #require(fork["heldChange"] as? String)
    let superseded = try #require(fork["otherChange"] as? String)
    let undecided = try await yrd.cli("status")
    #expect(undecided.stdout.contains("not decided"), "\(undecided)")

    // The authority decides, in a manifest the CA signs; a bad decision is refused first.
    let folder = temporaryDirectory("fork-decided-manifest")
    func document(_ name: String, keep: String) throws -> URL {
      let file = folder.appendingPathComponent("\(name).json")
      try Data(
        """
        {"federation": "test", "version": 1,
         "forks": [{"origin": "jjj", "sequence": \(fork["sequence"] as? Int ?? 0), "keep": "\(keep)"}]}
        """.utf8
      ).write(to: file)
      return file
    }
    func manifest(_ name: String, keep: String) throws -> (String, String) {
      let file = try document(name, keep: keep)
      _ = try federation.pki(["manifest", federation.directory.path, file.path])
      return (file.path, file.path + ".sig")
    }
    // The CA's script will not sign a cut-short change ID; signed anyway, every node refuses it.
    let badFile = try document("bad", keep: String(kept.prefix(20)))
    let unsigned = #expect(throws: TestFailure.self) {
      try federation.pki(["manifest", federation.directory.path, badFile.path])
    }
    #expect(unsigned?.description.contains("64 lower-case hex") == true, "\(String(describing: unsigned))")
    let badSignature = badFile.path + ".sig"
    let signedAnyway = try await run(
      "openssl",
      [
        "dgst", "-sha256", "-sign", federation.directory.appendingPathComponent("ca.key").path, "-out",
        badSignature,
        badFile.path,
      ])
    #expect(signedAnyway.status == 0, "\(signedAnyway)")
    let bad = try await yrd.cli("federation", "install", badFile.path, "--signature", badSignature)
    #expect(bad.failed(with: "manifest.invalid") && bad.stderr.contains("64 lower-case hex"), "\(bad)")
    let (file, signature) = try manifest("decision", keep: kept)
    let onForked = try await restored.cli("federation", "install", file, "--signature", signature)
    #expect(
      onForked.failed(with: "node.quarantined") && onForked.stderr.contains("on any other node"),
      "\(onForked)")
    #expect(try await yrd.cli("federation", "install", file, "--signature", signature).status == 0)
    let decided = try await json(yrd.cli("status", "--json"))
    #expect((decided["quarantined"] as? [String])?.isEmpty == true, "\(decided)")
    #expect((decided["forks"] as? [[String: Any]])?.first?["kept"] as? String == kept, "\(decided)")

    // The decision reaches the restored node: its own change is taken out of its log, and it
    // hears from every peer before it signs again.
    #expect(try await restored.cli("sync", "yrd").status == 0)
    let early = try await restored.cli(lead("too early"))
    #expect(early.failed(with: "node.catch-up-required"), "\(early)")
    // prd held the superseded change and learns of the fork and its decision in one session:
    // the proof, sent first, is reported as a fork, and the decision settles it.
    let first = try await restored.cli("sync", "--all")
    #expect(first.stdout.contains("prd refused: change.fork"), "\(first)")
    let second = try await restored.cli("sync", "--all")
    #expect(second.status == 0, "\(second)")
    let after = try await restored.cli(lead("after the decision"))
    #expect(after.status == 0, "\(after)")
    for _ in 0..<2 {
      let round = try await restored.cli("sync", "--all")
      #expect(round.status == 0, "\(round)")
    }

    // Every node: the kept branch and what followed it, not the superseded change; no
    // quarantine; the same projections; the superseded change kept as evidence where it was held.
    let digests = try await expectDecidedEverywhere([restored, yrd, prd], kept: kept, by: "authority")
    // A replay of the log gives the same projections: the decision lives in the log itself.
    #expect(try await restored.cli("rebuild").status == 0)
    #expect(try await json(restored.cli("status", "--json"))["projectionDigest"] as? String == digests.first)
    let restoredStatus = try await restored.cli("status")
    #expect(
      restoredStatus.stdout.contains("decided by the federation authority: \(kept.prefix(12)) stands"),
      "\(restoredStatus)")
    let evidence = try await json(restored.cli("status", "--json"))
    #expect(
      (evidence["superseded"] as? [[String: Any]])?.first?["id"] as? String == superseded, "\(evidence)")
    // The doctor no longer warns about a fork the authority decided.
    let doctor = try await restored.cli("doctor", "--json")
    #expect(!doctor.stdout.contains("forks not decided"), "\(doctor)")

    // The operator's console page shows both changes, the decision, and the superseded change.
    _ = try await restored.token("ops", role: "operator")
    _ = try restored.setPassword("ops", "运维值班 night shift")
    let base = try await restored.serveAPI()
    defer { _ = restored.stop() }
    var visit = ConsoleVisit(base: base)
    _ = try visit.login("ops", "运维值班 night shift")
    let page = try visit.get("/console/node")
    #expect(
      page.status == 200 && page.body.contains("保留 \(kept.prefix(12)) （联盟裁定）")
        && page.body.contains(#"<ul id="superseded"><li>jjj #"#)
        && page.body.contains(String(superseded.prefix(12))),
      "\(page.body.suffix(2500))")
  }

  @Test(
    "a restored node forks its chain; its operator keeps the change its peers hold with 'liandong fork keep'; every node applies it from the checkpoint, the node catches up and writes again"
  )
  func restoredForkKeptByOperator() async throws {
    let (_, restored, yrd, prd) = try await restoredFork("fork-kept")
    defer { _ = (yrd.stop(), prd.stop()) }
    let fork = try await #require(
      (try jsonValue(restored.cli("fork", "list", "--json")) as? [[String: Any]])?.first)
    // The restored node held its own post-restore change first; yrd's is the one signed before.
    let superseded = try #require(fork["heldChange"] as? String)
    let kept = try #require(fork["otherChange"] as? String)
    let listed = try await restored.cli("fork", "list")
    #expect(
      listed.stdout.contains("not decided: jjj's operator decides with 'liandong fork keep"), "\(listed)")

    // Only jjj decides its fork, and only by naming one of its changes.
    let elsewhere = try await yrd.cli("fork", "keep", kept)
    #expect(
      elsewhere.failed(with: "fork.other-origin") && elsewhere.stderr.contains("manifest"), "\(elsewhere)")
    let unknown = try await restored.cli("fork", "keep", "0123456789ab")
    #expect(unknown.failed(with: "fork.not-found") && unknown.stderr.contains("fork list"), "\(unknown)")

    // The operator keeps the change signed before the backup, in the console: the restored
    // node's own change is set aside, and it hears from both peers before it writes again.
    let officer = try await restored.token("li.wei", role: "officer")
    let operatorToken = try await restored.token("ops", role: "operator")
    _ = try restored.setPassword("ops", "运维值班 night shift")
    _ = try restored.setPassword("li.wei", "办案人员 case officer")
    // Its serve syncs with the peers once, at start, before the decision: the catch-up after it
    // is the test's own syncs.
    let base = try await restored.serveAPI(interval: 3600)
    var visit = ConsoleVisit(base: base)
    _ = try visit.login("ops", "运维值班 night shift")
    let undecided = try visit.get("/console/node")
    // yrd refused the restored node's second change at that sequence, and said which and why.
    #expect(
      undecided.body.contains(#"<td class="refused-by-peer"><span class="refused">change.fork × 1</span>"#)
        && undecided.body.contains(#"<td class="refused-by-peer">—</td>"#),
      "\(undecided.body.suffix(3000))")
    // Restored from a backup, which does not hold its own record: never backed up, until it is.
    #expect(undecided.body.contains(#"<p id="backup" class="urgency-overdue">最近一次备份: 本节点尚未备份"#))
    let archive = temporaryDirectory("fork-kept-backup").appendingPathComponent("restored.tar")
    #expect(try await restored.cli("backup", "--out", archive.path).status == 0)
    let backedUp = try visit.get("/console/node")
    #expect(
      backedUp.body.contains(#"<p id="backup" class="urgency-ok">"#) && backedUp.body.contains(archive.path),
      "\(backedUp.body.suffix(3000))")
    for change in [kept, superseded] {
      #expect(
        undecided.body.contains(#"name="change" value="\#(change)""#)
          && undecided.body.contains("保留此变更 <code>\(change.prefix(12))</code>"),
        "\(undecided.body.suffix(3000))")
    }
    var officerVisit = ConsoleVisit(base: base)
    _ = try officerVisit.login("li.wei", "办案人员 case officer")
    let officerPage = try officerVisit.get("/console/node")
    #expect(!officerPage.body.contains("保留此变更"), "an officer may read the node page, not decide")
    let byOfficer = try officerVisit.post(
      "/console/node/forks", [("csrf", ConsoleVisit.csrf(in: officerPage.body) ?? ""), ("change", kept)])
    #expect(byOfficer.isProblemPage(403, "auth.not-permitted"), "\(byOfficer)")
    let decided = try visit.post(
      "/console/node/forks", [("csrf", ConsoleVisit.csrf(in: undecided.body) ?? ""), ("change", kept)])
    #expect(decided.status == 303, "\(decided)")
    let shown = try visit.get("/console/node?done=fork")
    #expect(
      shown.body.contains("保留 \(kept.prefix(12)) （该节点运维裁定）") && !shown.body.contains("保留此变更"),
      "\(shown.body.suffix(3000))")
    // The API and the command line answer alike: the same decision again is nothing new (and
    // says whom the node waits for), the other change is refused, and an officer may not decide.
    let again = try curl(
      "POST", base + "/v1/forks/keep", token: operatorToken, json: #"{"change": "\#(kept)"}"#)
    #expect(
      again.status == 200 && (again.json["choice"] as? [String: Any])?["alreadyDecided"] as? Bool == true
        && again.json["waitingFor"] as? [String] == ["prd", "yrd"], "\(again)")
    let other = try curl(
      "POST", base + "/v1/forks/keep", token: operatorToken, json: #"{"change": "\#(superseded)"}"#)
    #expect(other.isProblem(409, "fork.decided"), "\(other)")
    let byOfficerAPI = try curl(
      "POST", base + "/v1/forks/keep", token: officer, json: #"{"change": "\#(kept)"}"#)
    #expect(byOfficerAPI.isProblem(403, "auth.not-permitted"), "\(byOfficerAPI)")
    _ = restored.stop()
    let repeated = try await restored.cli("fork", "keep", String(kept.prefix(12)))
    #expect(
      repeated.status == 0 && repeated.stdout.contains("already decided: \(kept.prefix(12)) stands at #"))
    let changedMind = try await restored.cli("fork", "keep", superseded)
    #expect(
      changedMind.failed(with: "fork.decided") && changedMind.stderr.contains("jjj's operator"),
      "\(changedMind)")
    #expect(try await restored.cli(lead("too early")).failed(with: "node.catch-up-required"))
    for _ in 0..<2 { _ = try await restored.cli("sync", "--all") }
    let after = try await restored.cli(lead("after the decision"))
    #expect(after.status == 0, "\(after)")
    let round = try await restored.cli("sync", "--all")
    #expect(round.status == 0, "\(round)")

    _ = try await expectDecidedEverywhere([restored, yrd, prd], kept: kept, by: "origin")
    let listedOnPrd = try await prd.cli("fork", "list")
    #expect(
      listedOnPrd.stdout.contains("decided by jjj's operator: \(kept.prefix(12)) stands"), "\(listedOnPrd)")
    #expect(!(try await restored.cli("doctor", "--json")).stdout.contains("forks not decided"))
  }
}

@Suite("Fork decisions: which change stands")
struct ForkDecisionRuleTests {
  private func manifest(_ version: Int, keep: String) -> FederationManifest {
    FederationManifest(
      federation: "t", version: version, forks: [ForkDecision(origin: "jjj", sequence: 5, keep: keep)])
  }

  @Test("a higher version decides again; of one version, the smaller hash; other forks stand as decided")
  func rule() throws {
    let (a, b, c) = (
      String(repeating: "a", count: 64), String(repeating: "b", count: 64), String(repeating: "c", count: 64)
    )
    let jjj = try NodeID("jjj")
    let later = ForkDecisions(manifests: [
      (manifest(2, keep: b), Data([9])), (manifest(1, keep: a), Data([1])),
    ])
    #expect(later.kept(origin: jjj, sequence: 5)?.hex == b)
    let tie = ForkDecisions(manifests: [(manifest(3, keep: c), Data([2])), (manifest(3, keep: a), Data([1]))])
    #expect(tie.kept(origin: jjj, sequence: 5)?.hex == a)
    let tieReversed = ForkDecisions(manifests: [
      (manifest(3, keep: a), Data([1])), (manifest(3, keep: c), Data([2])),
    ])
    #expect(tieReversed == tie)
    var other = manifest(4, keep: c)
    other.forks = [ForkDecision(origin: "jjj", sequence: 9, keep: b)]
    let both = ForkDecisions(manifests: [(manifest(1, keep: a), Data([1])), (other, Data([3]))])
    #expect(both.kept(origin: jjj, sequence: 5)?.hex == a && both.kept(origin: jjj, sequence: 9)?.hex == b)
    #expect(both.decidesAll(of: jjj, at: [5, 9]) && !both.decidesAll(of: jjj, at: [5, 6]))
  }

  @Test("a manifest's decisions must name a node, a sequence of 1 or more and a whole change ID, once each")
  func parse() throws {
    let id = String(repeating: "ab", count: 32)
    func document(_ forks: String) -> Data {
      Data(#"{"federation": "t", "version": 1, "forks": \#(forks)}"#.utf8)
    }
    let good = try FederationManifest.parse(
      document(#"[{"origin": "jjj", "sequence": 2, "keep": "\#(id)"}]"#))
    #expect(good.forks.first?.kept?.hex == id)
    for bad in [
      #"[{"origin": "jjj", "sequence": 0, "keep": "\#(id)"}]"#,
      #"[{"origin": "jjj", "sequence": 2, "keep": "\#(id.prefix(62))"}]"#,
      #"[{"origin": "jjj", "sequence": 2, "keep": "\#(id.uppercased())"}]"#,
      #"[{"origin": "JJ J", "sequence": 2, "keep": "\#(id)"}]"#,
      #"[{"origin": "jjj", "sequence": 2, "keep": "\#(id)"}, {"origin": "jjj", "sequence": 2, "keep": "\#(id)"}]"#,
    ] {
      #expect(throws: CoreError.self, "\(bad)") { try FederationManifest.parse(document(bad)) }
    }
  }
}
