import Foundation
import LiandongCore
import Testing

@testable import LiandongStore

@Suite("Evidence, custody and the bundle a court verifies with openssl", .serialized)
struct EvidenceBundleTests {
  /// Two bureaus, one with an Ed25519 key: jjj records a lead and a screenshot, seals it; yrd
  /// (which receives the record by a change file, without the screenshot) opens it. Returns jjj,
  /// the lead, the screenshot's bytes and yrd.
  func scenario() async throws -> (NodeProcess, String, Data, NodeProcess) {
    let federation = try TestFederation(label: "bundle")
    try federation.issue("jjj")
    try federation.issue("yrd", key: "ed25519")
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary",
      "one-day reports without samples", "--to", "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let content = randomBytes(200_000, seed: 21)
    let file = temporaryDirectory("bundle-file").appendingPathComponent("listing.png")
    try content.write(to: file)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot",
      "--source-url", "https://shop.example/item/88231", "--captured-at", "2026-11-20T14:05:00+08:00",
      "--json")
    #expect(added.status == 0, "\(added)")
    let evidence = try #require(
      (try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? String)
    #expect(
      try await jjj.cli("evidence", "custody", evidence, "sealed", "--note", "sealed bag 17").status == 0)
    try await jjj.carry(to: yrd)
    #expect(
      try await yrd.cli("evidence", "custody", evidence, "opened", "--note", "read by officer Li").status == 0
    )
    try await yrd.carry(to: jjj)
    return (jjj, lead, content, yrd)
  }

  @Test("custody events are signed, shared and listed in order; bad events are refused")
  func custody() async throws {
    let (jjj, lead, _, _) = try await scenario()
    let list = try await jjj.cli("evidence", "list", "--item", lead, "--json").stdout
    let evidence = try #require(
      (try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])?.first?["id"] as? String)
    let shown = try await jjj.cli("evidence", "show", evidence).stdout
    #expect(shown.contains("sealed  by jjj") && shown.contains("opened  by yrd"), "\(shown)")
    let bad = try await jjj.cli("evidence", "custody", evidence, "lost")
    #expect(bad.failed(with: "input.value") && bad.stderr.contains("passed-to-police"), "\(bad)")
    let noHolder = try await jjj.cli("evidence", "custody", evidence, "handed-over")
    #expect(noHolder.failed(with: "usage.holder") && noHolder.stderr.contains("--holder"))
    #expect(try await jjj.cli("evidence", "custody", evidence, "destroyed").status == 0)
    let after = try await jjj.cli("evidence", "custody", evidence, "opened")
    #expect(after.failed(with: "op.wrong-state") && after.stderr.contains("destroyed"), "\(after)")
  }

  @Test("the exported bundle verifies with the openssl tool alone; a tampered one fails")
  func bundle() async throws {
    let (jjj, lead, content, yrd) = try await scenario()
    let out = temporaryDirectory("bundle-out").appendingPathComponent("bundle")
    let exported = try await jjj.cli("evidence", "export", lead, "--out", out.path, "--json")
    #expect(exported.status == 0, "\(exported)")
    #expect(exported.stdout.contains("\"yrd\""), "yrd's signed custody event is in the bundle")
    let verify = try await run("sh", [out.appendingPathComponent("verify.sh").path])
    #expect(verify.status == 0 && verify.stdout.contains("All checks passed"), "\(verify)")
    #expect(
      verify.stdout.contains("Verified OK") && verify.stdout.contains("Signature Verified Successfully"))
    let instructions = try String(contentsOf: out.appendingPathComponent("VERIFY.txt"), encoding: .utf8)
    #expect(
      instructions.contains(
        "openssl verify -no_check_time -CAfile certs/ca.pem -crl_check -CRLfile certs/crl.pem"))
    #expect(instructions.contains("openssl verify -attime "))
    // A court checks it months or years later, when the CRL (30 days) and the certificates have
    // expired: each certificate is checked as it was when it signed.
    for later in ["+400d", "+3650d"] {
      let aged = try await run("faketime", ["-f", later, "sh", out.appendingPathComponent("verify.sh").path])
      #expect(aged.status == 0 && aged.stdout.contains("All checks passed"), "\(later): \(aged)")
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("files").path)
    #expect(try Data(contentsOf: out.appendingPathComponent("files/\(files[0])")) == content)
    #expect(
      try String(contentsOf: out.appendingPathComponent("custody.txt"), encoding: .utf8).contains(
        "opened  by yrd"))

    // Tampering with a file, a body, a signature or the manifest is caught.
    func tampered(_ edit: (URL) throws -> Void) throws -> ProcessResult {
      let copy = temporaryDirectory("bundle-tampered").appendingPathComponent("bundle")
      try FileManager.default.copyItem(at: out, to: copy)
      try edit(copy)
      return try run("sh", [copy.appendingPathComponent("verify.sh").path])
    }
    func flip(_ url: URL) throws {
      var data = try Data(contentsOf: url)
      data[data.count / 2] ^= 0x01
      try data.write(to: url)
    }
    let changes = try FileManager.default.contentsOfDirectory(
      atPath: out.appendingPathComponent("changes").path)
    let body = try #require(changes.first { $0.hasSuffix(".body") })
    let signature = try #require(changes.first { $0.hasSuffix(".sig") })
    let fileCase = try tampered { try flip($0.appendingPathComponent("files/\(files[0])")) }
    #expect(fileCase.status != 0 && fileCase.stdout.contains("MISMATCH: files/"), "\(fileCase)")
    let bodyCase = try tampered { try flip($0.appendingPathComponent("changes/\(body)")) }
    #expect(bodyCase.status != 0 && bodyCase.stdout.contains("MISMATCH: changes/"), "\(bodyCase)")
    let signatureCase = try tampered { try flip($0.appendingPathComponent("changes/\(signature)")) }
    #expect(
      signatureCase.status != 0 && !signatureCase.stdout.contains("All checks passed"), "\(signatureCase)")
    // A forger who edits a file and its line in the manifest breaks the manifest's signature.
    let manifestCase = try tampered { copy in
      let target = copy.appendingPathComponent("files/\(files[0])")
      try flip(target)
      let manifest = copy.appendingPathComponent("manifest.txt")
      let sum = try run("openssl", ["dgst", "-sha256", "-r", target.path]).stdout.prefix(64)
      let text = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").map {
        $0.hasSuffix("files/\(files[0])") ? "\(sum)  files/\(files[0])" : String($0)
      }
      try (text.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
    }
    #expect(
      manifestCase.status != 0 && manifestCase.stdout.contains("Verification failure"), "\(manifestCase)")

    // Exporting needs every file on this node, and a new folder.
    let again = try await jjj.cli("evidence", "export", lead, "--out", out.path)
    #expect(again.failed(with: "bundle.not-empty"))
    let elsewhere = temporaryDirectory("bundle-out").appendingPathComponent("from-yrd")
    let withoutFile = try await yrd.cli("evidence", "export", lead, "--out", elsewhere.path)
    #expect(
      withoutFile.failed(with: "bundle.files-missing") && withoutFile.stderr.contains("listing.png"),
      "\(withoutFile)")
    #expect(!FileManager.default.fileExists(atPath: elsewhere.path), "nothing half-written")
  }

  @Test(
    "a file name with a newline, a path and an escape sequence: a safe name in the bundle, verify.sh passes")
  func hostileFileName() async throws {
    let federation = try TestFederation(label: "bundle-name", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead()
    let name = "..报告\nrm -rf \u{1B}[31m x.png"
    let file = temporaryDirectory("bundle-name").appendingPathComponent(name)
    try Data("screenshot".utf8).write(to: file)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    #expect(added.status == 0, "\(added)")
    let out = temporaryDirectory("bundle-name-out").appendingPathComponent("bundle")
    #expect(try await jjj.cli("evidence", "export", lead, "--out", out.path).status == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("files").path)
    #expect(files.count == 1 && files[0].hasSuffix("-报告_rm_-rf___31m_x.png"), "\(files)")
    let verify = try await run("sh", [out.appendingPathComponent("verify.sh").path])
    #expect(verify.status == 0 && verify.stdout.contains("All checks passed"), "\(verify)")
    let described = try String(contentsOf: out.appendingPathComponent("evidence.txt"), encoding: .utf8)
    #expect(described.contains("name as given: ..报告\\nrm -rf \\u{1B}[31m x.png"), "\(described)")
    #expect(TerminalSafetyTests.printedSafely(described), "\(described)")
  }

  @Test(
    "a bundle proves by the other region's own signature that it held each change, and since when; an exporter who forges a link fails verify.sh even with its manifest re-signed"
  )
  func receipts() async throws {
    let federation = try TestFederation(label: "bundle-receipts")
    try federation.issue("jjj")
    try federation.issue("yrd", key: "ed25519")
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let lead = try await jjj.addLead(summary: "one-day reports without samples", to: "yrd")
    let file = temporaryDirectory("bundle-receipts").appendingPathComponent("listing.png")
    try randomBytes(20_000, seed: 5).write(to: file)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    #expect(added.status == 0, "\(added)")
    // A later change outside the bundle: yrd's checkpoint names it as jjj's head, so each proof
    // runs through links.
    _ = try await jjj.addLead(summary: "another matter", to: "yrd")
    // yrd signs a checkpoint as the first session ends; the next brings it to jjj.
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let witnessed = try await eventually(10) {
      guard try await jjj.cli("sync", "yrd").status == 0 else { return false }
      return try await jjj.cli("history", lead).stdout.contains("held by yrd")
    }
    #expect(witnessed, "yrd's checkpoint did not reach jjj")

    let out = temporaryDirectory("bundle-receipts-out").appendingPathComponent("bundle")
    let exported = try await jjj.cli("evidence", "export", lead, "--out", out.path, "--json")
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any], "\(exported)")
    #expect(summary["receipts"] as? Int == 1, "the change that records the evidence: \(summary)")
    let receipts = try String(contentsOf: out.appendingPathComponent("receipts.txt"), encoding: .utf8)
    #expect(receipts.contains("held by yrd no later than") && receipts.contains("link(s)"), "\(receipts)")
    let links = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("chain").path)
    #expect(!links.isEmpty)
    let verify = try await run("sh", [out.appendingPathComponent("verify.sh").path])
    #expect(
      verify.status == 0 && verify.stdout.contains("5. Each proof of receipt")
        && verify.stdout.contains("OK: checkpoints/yrd-") && verify.stdout.contains("All checks passed"),
      "\(verify)")
    let aged = try await run("faketime", ["-f", "+400d", "sh", out.appendingPathComponent("verify.sh").path])
    #expect(aged.status == 0 && aged.stdout.contains("All checks passed"), "\(aged)")

    // The exporting node alters a link, corrects its sum in the manifest and signs the manifest
    // again with its own key: every hash and signature of its own checks, but yrd's checkpoint no
    // longer vouches for the chain.
    let copy = temporaryDirectory("bundle-receipts-forged").appendingPathComponent("bundle")
    try FileManager.default.copyItem(at: out, to: copy)
    let link = copy.appendingPathComponent("chain/\(links[0])")
    var bytes = try Data(contentsOf: link)
    bytes[bytes.count - 1] ^= 0x01
    try bytes.write(to: link)
    let sum = try await run("openssl", ["dgst", "-sha256", "-r", link.path]).stdout.prefix(64)
    let manifest = copy.appendingPathComponent("manifest.txt")
    let lines = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").map {
      $0.hasSuffix("chain/\(links[0])") ? "\(sum)  chain/\(links[0])" : String($0)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: manifest, atomically: true, encoding: .utf8)
    let resigned = try await run(
      "openssl",
      [
        "dgst", "-sha256", "-sign", jjj.data.appendingPathComponent("node.key").path, "-out",
        copy.appendingPathComponent("manifest.sig").path, manifest.path,
      ])
    #expect(resigned.status == 0, "\(resigned)")
    let forged = try await run("sh", [copy.appendingPathComponent("verify.sh").path])
    #expect(
      forged.status != 0 && forged.stdout.contains("5. Each proof of receipt")
        && (forged.stdout.contains("NOT HELD") || forged.stdout.contains("BROKEN CHAIN")),
      "\(forged)")
  }

  @Test(
    "a bundle that cannot be packed into one file says so, and leaves neither the file nor its folder behind")
  func archiveFailed() async throws {
    let (jjj, lead, _, _) = try await scenario()
    let bundle = EvidenceBundle(home: try NodeHome.open(jjj.data))
    let folder = temporaryDirectory("bundle-archive")
    let file = folder.appendingPathComponent("out.tar")
    #expect(throws: Never.self) {
      _ = try bundle.writeArchive(item: lead, to: file, folderName: "evidence")
    }
    #expect(throws: BundleError.self) {
      _ = try bundle.writeArchive(item: lead, to: file, folderName: "again")
    }
    try FileManager.default.removeItem(at: file)
    do {
      _ = try bundle.writeArchive(item: lead, to: file, folderName: "evidence") { _ in
        throw StoreError.backupFailed(reason: "tar: out.tar: Cannot write: No space left on device")
      }
      Issue.record("a failing tar packed a bundle")
    } catch let error as BundleError {
      #expect(
        error.code == "bundle.archive-failed" && error.description.contains("No space left"), "\(error)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
  }
}
