import Foundation
import LiandongApp
import LiandongCrypto
import Testing

@testable import LiandongAPI
@testable import LiandongStore

/// The node's own checks through the API, for an operator who has no shell on the machine: the
/// federation manifest in force, `doctor`'s findings, and `verify` run in the background.
@Suite("The API's node checks: federation, doctor, verify")
struct HTTPNodeChecksTests {
  @Test(
    "an operator verifies the node through the API and follows it to the end: a file altered on disk is named and set aside; an officer may read the result but not start one"
  )
  func verify() async throws {
    let federation = try TestFederation(label: "api-verify", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead(subject: "速通检测")
    let content = randomBytes(300_000, seed: 8)
    let file = temporaryDirectory("api-verify-file").appendingPathComponent("shot.png")
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try content.write(to: file)
    #expect(try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical").status == 0)
    let sha256 = SHA256.hash(content).hex
    let held = jjj.data.appendingPathComponent("blobs/\(sha256.prefix(2))/\(sha256)")
    let operatorToken = try await jjj.token("ops", role: "operator")
    let officer = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    #expect(try curl("GET", base + "/v1/verify", token: operatorToken).json["state"] as? String == "never")
    #expect(try curl("POST", base + "/v1/verify", token: officer).isProblem(403, "auth.not-permitted"))

    // Damage the file where it lies, as a failing disk would.
    var altered = content
    altered[1000] ^= 0xFF
    try altered.write(to: held)
    let started = try curl("POST", base + "/v1/verify", token: operatorToken)
    #expect(started.status == 202 && started.json["state"] as? String == "running", "\(started)")
    #expect(started.json["startedBy"] as? String == "ops")
    var result: [String: Any] = [:]
    #expect(
      try await eventually(60) {
        result = try curl("GET", base + "/v1/verify", token: officer).json
        return result["state"] as? String != "running"
      }, "\(result)")
    #expect(result["state"] as? String == "done" && result["ok"] as? Bool == false, "\(result)")
    let report = try #require(result["report"] as? [String: Any], "\(result)")
    #expect(report["filesChecked"] as? Int == 1, "\(report)")
    #expect((report["changesChecked"] as? Int ?? 0) >= 2, "\(report)")
    let damaged = report["damagedFiles"] as? [[String: Any]] ?? []
    #expect(damaged.map { $0["sha256"] as? String } == [sha256], "\(report)")
    #expect(!FileManager.default.fileExists(atPath: held.path), "the altered file was not set aside")
    #expect(result["bytesTotal"] as? Int == 300_000, "\(result)")

    // Without the files: the log and the database only.
    let quick = try curl("POST", base + "/v1/verify?files=false", token: operatorToken)
    #expect(quick.status == 202, "\(quick)")
    #expect(
      try await eventually(60) {
        result = try curl("GET", base + "/v1/verify", token: operatorToken).json
        return result["state"] as? String == "done"
      }, "\(result)")
    #expect(result["files"] as? Bool == false && (result["report"] as? [String: Any])?["filesChecked"] == nil)
    let bad = try curl("POST", base + "/v1/verify?files=perhaps", token: operatorToken)
    #expect(bad.status == 400, "\(bad)")
  }

  @Test(
    "one verification at a time: a second start while one runs is refused with its code, and the first one's end is kept"
  )
  func oneAtATime() async throws {
    let controls = NodeControls(doctor: { DoctorReport(node: nil, findings: []) }, trustChanged: {})
    let verifications = controls.verifications
    let release = DispatchSemaphore(value: 0)
    let first = try verifications.start(files: true, by: "ops") { progress in
      progress(512, 1024)
      release.wait()
      return AuditReport(changesChecked: 7)
    }
    #expect(first.state == .running && first.startedBy == "ops")
    #expect(await eventually(10) { verifications.status.bytesRead == 512 })
    #expect(verifications.status.bytesTotal == 1024)
    #expect {
      try verifications.start(files: false, by: "other") { _ in AuditReport() }
    } throws: { ($0 as? Failure)?.code == "verify.running" && "\($0)".contains("ops") }
    release.signal()
    #expect(await eventually(10) { verifications.status.state == .done })
    #expect(verifications.status.report?.changesChecked == 7 && verifications.status.report?.ok == true)

    let failing = try verifications.start(files: false, by: "ops") { _ in
      throw Failure(code: "store.damaged", message: "the database file is damaged")
    }
    #expect(failing.state == .running)
    #expect(await eventually(10) { verifications.status.state == .failed })
    #expect(verifications.status.failure?.code == "store.damaged")
    #expect(verifications.status.report == nil, "a failed run shows the last run's report as its own")

    // The node's backups likewise, under their own code, and independent of its verifications.
    let writing = DispatchSemaphore(value: 0)
    try controls.backups.start(files: true, by: "ops") { _ in
      writing.wait()
      return NodeBackup.Summary(file: "/b.tar", node: "jjj", changes: 1, blobs: 0, bytes: 10)
    }
    #expect {
      try controls.backups.start(files: true, by: "other") { _ in throw Failure(code: "x.y", message: "-") }
    } throws: { ($0 as? Failure)?.code == "backup.running" && "\($0)".contains("GET /v1/backup") }
    #expect(throws: Never.self) {
      try controls.verifications.start(files: false, by: "ops") { _ in AuditReport() }
    }
    writing.signal()
    #expect(await eventually(10) { controls.backups.status.report?.file == "/b.tar" })
  }

  @Test(
    "the federation manifest in force and doctor's findings, to any account; none of them a case's content"
  )
  func federationAndDoctor() async throws {
    let federation = try TestFederation(label: "api-doctor", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    // A peer nobody listens for: doctor says so, as the command line does.
    #expect(try await jjj.cli("peer", "add", "yrd", "127.0.0.1:9").status == 0)
    let auditor = try await jjj.token("shen.ji", role: "auditor")
    let operatorToken = try await jjj.token("ops", role: "operator")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let none = try curl("GET", base + "/v1/federation", token: auditor)
    #expect(none.status == 200 && none.json["manifest"] == nil, "\(none)")
    let manifest = try federation.signedManifest(
      #"{"federation": "test", "version": 3, "members": ["jjj", "yrd"], "groups": {"delta": ["jjj", "yrd"]}, "superiors": {"jjj": ["yrd"]}}"#
    )
    let folder = temporaryDirectory("api-manifest")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let (document, signature) = (
      folder.appendingPathComponent("m.json"), folder.appendingPathComponent("m.sig")
    )
    try manifest.document.write(to: document)
    try manifest.signature.write(to: signature)
    let installed = try await jjj.cli("federation", "install", document.path, "--signature", signature.path)
    #expect(installed.status == 0, "\(installed)")
    let shown = try curl("GET", base + "/v1/federation", token: operatorToken)
    let body = try #require(shown.json["manifest"] as? [String: Any], "\(shown)")
    #expect(shown.json["version"] as? Int == 3 && body["members"] as? [String] == ["jjj", "yrd"], "\(shown)")
    #expect((body["superiors"] as? [String: [String]])?["jjj"] == ["yrd"], "\(shown)")

    let doctor = try curl("GET", base + "/v1/doctor", token: operatorToken)
    #expect(doctor.status == 200 && doctor.json["node"] as? String == "jjj", "\(doctor)")
    let findings = doctor.json["findings"] as? [[String: Any]] ?? []
    func finding(_ check: String) -> [String: Any]? { findings.first { $0["check"] as? String == check } }
    #expect(finding("certificate")?["severity"] as? String == "ok", "\(findings)")
    #expect(finding("crl")?["severity"] as? String == "ok", "\(findings)")
    let peer = try #require(
      findings.first { $0["check"] as? String == "peer" && $0["subject"] as? String == "yrd" })
    #expect(peer["severity"] as? String != "ok" && peer["remedy"] != nil, "\(peer)")
    // The same examination as the command line's.
    let cli = try await jjj.cli("doctor", "--json")
    let cliChecks = Set(
      ((try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])?["findings"]
        as? [[String: Any]] ?? []).compactMap { $0["check"] as? String })
    #expect(Set(findings.compactMap { $0["check"] as? String }) == cliChecks, "\(findings)\n\(cli)")
  }
}
