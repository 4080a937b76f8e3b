import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Runs the real `liandong` binary, as an operator would.
struct CLI {
  let data: URL

  @discardableResult
  func callAsFunction(_ arguments: String...) throws -> ProcessResult {
    try run(
      liandongBinary.path, arguments + ["--data", data.path], environment: ["LIANDONG_OFFICER": "officer-7"])
  }

  func json(_ arguments: String...) throws -> Any {
    let result = try run(liandongBinary.path, arguments + ["--data", data.path, "--json"])
    guard result.status == 0 else { throw TestFailure("\(arguments): \(result)") }
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
  }
}

@Suite("The liandong command line")
struct CLITests {
  /// A node initialised from certificates made by the openssl tool.
  func node(_ name: String, federation: TestFederation = .shared) throws -> CLI {
    let cli = CLI(data: temporaryDirectory("cli-\(name)"))
    let files = federation.files(name)
    let result = try cli(
      "init", "--node", name, "--ca", federation.caURL.path, "--cert", files.certificate.path, "--key",
      files.key.path,
      "--crl", federation.crlURL.path)
    guard result.status == 0 else { throw TestFailure("init: \(result)") }
    return cli
  }

  @Test(
    "init accepts certificates made by the openssl tool, and refuses the wrong node, key, CA or revoked ones")
  func initChecks() throws {
    let federation = try TestFederation(label: "cli-init")
    try federation.issue("jjj")
    try federation.issue("yrd")
    let jjj = federation.files("jjj")
    let yrd = federation.files("yrd")
    func attempt(_ node: String, _ cert: URL, _ key: URL, authority: TestFederation? = nil) throws
      -> ProcessResult
    {
      let ca = authority ?? federation
      return try CLI(data: temporaryDirectory("init"))(
        "init", "--node", node, "--ca", ca.caURL.path, "--cert", cert.path, "--key", key.path, "--crl",
        ca.crlURL.path)
    }
    let wrongNode = try attempt("yrd", jjj.certificate, jjj.key)
    #expect(wrongNode.failed(with: "init.cert-other-node"), "\(wrongNode)")
    let wrongKey = try attempt("jjj", jjj.certificate, yrd.key)
    #expect(wrongKey.failed(with: "init.key-mismatch"), "\(wrongKey)")
    let mismatchedCRL = try CLI(data: temporaryDirectory("init"))(
      "init", "--node", "jjj", "--ca", federation.caURL.path, "--cert", jjj.certificate.path, "--key",
      jjj.key.path,
      "--crl", try TestFederation(label: "crl-other").crlURL.path)
    #expect(
      mismatchedCRL.failed(with: "crl.invalid"), "\(mismatchedCRL)")
    let otherCA = try TestFederation(label: "cli-other")
    let foreign = try attempt("jjj", jjj.certificate, jjj.key, authority: otherCA)
    #expect(foreign.failed(with: "cert.not-trusted"), "\(foreign)")
    let badNode = try attempt("JJJ", jjj.certificate, jjj.key)
    #expect(badNode.failed(with: "input.node-id"), "\(badNode)")

    let ok = try attempt("jjj", jjj.certificate, jjj.key)
    #expect(ok.status == 0 && ok.stdout.contains("initialised node jjj"), "\(ok)")

    try federation.revoke("yrd")
    try federation.publishCRL()
    let revoked = try attempt("yrd", yrd.certificate, yrd.key)
    #expect(revoked.failed(with: "cert.revoked"), "\(revoked)")
  }

  @Test("init refuses a folder that already holds a node, and leaves nothing behind when it fails")
  func initIsSafe() throws {
    let cli = try node("n0")
    let again = try cli("init", "--node", "n0", "--ca", "/nonexistent", "--cert", "/x", "--key", "/y")
    #expect(again.failed(with: "node.already-initialised"), "\(again)")
    let fresh = CLI(data: temporaryDirectory("half"))
    let files = TestFederation.shared.files("n1")
    _ = try fresh(
      "init", "--node", "n2", "--ca", TestFederation.shared.caURL.path, "--cert", files.certificate.path,
      "--key", files.key.path)
    #expect(try FileManager.default.contentsOfDirectory(atPath: fresh.data.path).isEmpty)
  }

  @Test("lead add prints the new ID; list, show and JSON agree; a bad USCC is refused and nothing is stored")
  func leads() throws {
    let cli = try node("n1")
    for peer in ["n2", "n3"] { try cli("peer", "add", peer, "\(peer).example.org:7420") }
    let added = try cli(
      "lead", "add", "--subject-name", "某检测服务店", "--subject-uscc", "91350100M000100Y43", "--subject-kind",
      "shop",
      "--platform", "某电商平台", "--shop-id", "778899", "--violation", "forged-report,misused-cma", "--summary",
      "sells one-day reports without samples", "--risk", "high", "--to", "n2,n3")
    #expect(added.status == 0, "\(added)")
    let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(UUID(uuidString: id) != nil)

    let bad = try cli(
      "lead", "add", "--subject-name", "x", "--subject-uscc", "91350100M000100Y44", "--violation", "no-ccc",
      "--summary", "s")
    #expect(bad.failed(with: "input.uscc"))
    #expect(
      bad.stderr.contains("error[input.uscc]") && bad.stderr.contains("check character")
        && bad.stderr.contains("should be '3'"))
    let badViolation = try cli("lead", "add", "--subject-name", "x", "--violation", "fake", "--summary", "s")
    #expect(
      badViolation.failed(with: "input.value") && badViolation.stderr.contains("forged-report"),
      "\(badViolation)")

    let list = try #require(try cli.json("lead", "list") as? [[String: Any]])
    #expect(list.count == 1 && list[0]["id"] as? String == id)
    let shown = try #require(try cli.json("lead", "show", id) as? [String: Any])
    #expect(shown["violations"] as? [String] == ["forged-report", "misused-cma"])
    #expect(shown["audience"] as? String == "n2,n3" && shown["createdBy"] as? String == "officer-7")
    let subject = try #require((shown["subjects"] as? [[String: Any]])?.first)
    #expect(subject["uscc"] as? String == "91350100M000100Y43" && subject["shopID"] as? String == "778899")

    let json = try #require(
      try cli.json("lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "second")
        as? [String: Any])
    #expect((json["id"] as? String).flatMap(UUID.init(uuidString:)) != nil)
    let text = try cli("lead", "show", id)
    #expect(text.stdout.contains("USCC 91350100M000100Y43") && text.stdout.contains("某电商平台 shop 778899"))
    let missing = try cli("lead", "show", "00000000-0000-0000-0000-000000000000")
    #expect(missing.failed(with: "object.not-found"))
  }

  @Test("verify passes on an honest log and fails, naming the change, after the database is edited")
  func verifyFindsTampering() throws {
    let cli = try node("n2")
    try cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "genuine summary", "--to",
      "all")
    let clean = try cli("verify")
    #expect(clean.status == 0 && clean.stdout.contains("checked 2 changes"), "\(clean)")

    let database = cli.data.appendingPathComponent("liandong.sqlite").path
    let edited = try sqlite3(
      database,
      "UPDATE changes SET body = CAST(replace(CAST(body AS TEXT), 'genuine', 'GENUINE') AS BLOB) WHERE sequence = 2;"
    )
    #expect(edited.status == 0, "\(edited)")
    let tampered = try cli("verify")
    #expect(
      tampered.status == 1 && tampered.stdout.contains("FAIL n2#2")
        && tampered.stdout.contains("change.body-hash"), "\(tampered)")
  }

  @Test("rebuild leaves the projection digest unchanged, and repairs a damaged projection")
  func rebuild() throws {
    let cli = try node("n3")
    for index in 0..<3 {
      try cli(
        "lead", "add", "--subject-name", "s\(index)", "--violation", "three-noes", "--summary",
        "lead \(index)")
    }
    let status = try #require(try cli.json("status") as? [String: Any])
    let digest = try #require(status["projectionDigest"] as? String)
    let same = try #require(try cli.json("rebuild") as? [String: Any])
    #expect(same["identical"] as? Bool == true && same["after"] as? String == digest)
    let database = cli.data.appendingPathComponent("liandong.sqlite").path
    #expect(
      try sqlite3(database, "UPDATE p_leads SET summary = 'damaged'; DELETE FROM p_subjects;").status
        == 0)
    let repaired = try #require(try cli.json("rebuild") as? [String: Any])
    #expect(repaired["identical"] as? Bool == false && repaired["after"] as? String == digest)
  }

  @Test("changes move between nodes by file; stubs reach nodes outside the audience; a non-owner cannot edit")
  func changeFiles() throws {
    let a = try node("n4")
    let b = try node("n5")
    let c = try node("n6")
    try a("peer", "add", "n5", "n5.example.org:7420")
    let added = try a(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "for n5 only", "--to", "n5")
    let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let toB = a.data.appendingPathComponent("to-b.bin").path
    let toC = a.data.appendingPathComponent("to-c.bin").path
    #expect(try a("changes", "export", "--for", "n5", "--out", toB).status == 0)
    #expect(try a("changes", "export", "--for", "n6", "--out", toC).status == 0)
    #expect(try b("changes", "import", toB).stdout.contains("stored 2"))
    #expect(try b("changes", "import", toB).stdout.contains("duplicates 2"))
    #expect(try c("changes", "import", toC).stdout.contains("stored 2"))
    #expect((try b.json("lead", "show", id) as? [String: Any])?["summary"] as? String == "for n5 only")
    #expect(try c("lead", "show", id).failed(with: "object.not-found"))
    #expect(try c("log").stdout.contains("stub: this node is not in the audience"))
    #expect(try c("verify").status == 0)
    let edit = try b("lead", "edit", id, "--summary", "not mine")
    #expect(edit.failed(with: "op.not-owner"))

    let garbage = a.data.appendingPathComponent("garbage.bin")
    try Data([0x05, 1, 2]).write(to: garbage)
    let refused = try b("changes", "import", garbage.path)
    #expect(refused.failed(with: "input.change-file"), "\(refused)")
  }

  @Test("every command says what to do without a data folder")
  func noDataFolder() throws {
    let result = try run(liandongBinary.path, ["status"], environment: ["LIANDONG_DATA": ""])
    #expect(
      result.failed(with: "usage.no-data") && result.stderr.contains("pass --data DIR or set LIANDONG_DATA"))
    let empty = try run(liandongBinary.path, ["status", "--data", temporaryDirectory("empty").path])
    #expect(
      empty.failed(with: "node.not-initialised")
        && empty.stderr.contains("liandong init"))
  }

  @Test("the binary links the system libssl.so.3, libcrypto.so.3 and libsqlite3.so.0")
  func linksSystemLibraries() throws {
    let ldd = try run("ldd", [liandongBinary.path])
    for library in ["libssl.so.3", "libcrypto.so.3", "libsqlite3.so.0"] {
      #expect(
        ldd.stdout.contains("\(library) => /"), "\(library) is not linked from the system: \(ldd.stdout)")
    }
  }
}

@Suite("liandong verify reports refused operations")
struct VerifyReportsRefusalsTests {
  @Test("an edit by a node that does not own the lead is listed, and verify still passes")
  func refusedEditListed() throws {
    let federation = TestFederation.shared
    let owner = try SimulatedNode("n0")
    let lead = try owner.addLead(summary: "owned by n0")
    // n1's real data folder receives n0's lead, then (through the library, as a buggy or hostile
    // node would) signs an edit of it.
    let directory = temporaryDirectory("refusal")
    let home = try federation.home("n1", at: directory)
    _ = try home.store.ingest(
      owner.store.changes(after: [:]), verifier: home.verifier, physicalMillis: Date().unixMillis)
    var patch = LeadPatch()
    patch.summary = "taken over"
    let edit = try home.record(
      [DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .all, officer: "t")

    let result = try CLI(data: directory)("verify")
    #expect(result.status == 0, "\(result)")
    #expect(
      result.stdout.contains("refused operation \(edit.id.short)/0 by n1 on \(lead)")
        && result.stdout.contains("op.not-owner"))
    let summary = try #require(
      try CLI(data: directory).json("lead", "show", lead.description) as? [String: Any])
    #expect(summary["summary"] as? String == "owned by n0")
  }
}
