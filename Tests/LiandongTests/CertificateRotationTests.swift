import Foundation
import LiandongCrypto
import LiandongTesting
import Testing

@Suite("Rotating a node's certificate", .serialized)
struct CertificateRotationTests {
  /// The announced certificates `cert show --json` lists, and the fingerprint in use.
  func shown(_ node: NodeProcess) async throws -> (inUse: String, announced: [[String: Any]]) {
    let result = try await node.cli("cert", "show", "--json")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
    return (object["fingerprint"] as? String ?? "", object["announced"] as? [[String: Any]] ?? [])
  }

  func copy(_ files: NodeFiles, to folder: URL) throws -> NodeFiles {
    let kept = NodeFiles(
      certificate: folder.appendingPathComponent("kept.pem"), key: folder.appendingPathComponent("kept.key"))
    try FileManager.default.copyItem(at: files.certificate, to: kept.certificate)
    try FileManager.default.copyItem(at: files.key, to: kept.key)
    return kept
  }

  @Test(
    "a wrong pair is refused and nothing changes; a new one is announced with the old key, a running node takes it on SIGHUP, and what the old key signed still verifies after the CA revokes it"
  )
  func rotateWhileServing() async throws {
    let federation = try TestFederation(label: "rotate", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let old = try copy(federation.files("yrd"), to: temporaryDirectory("rotate-old"))
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let before = try await yrd.cli(
      "lead", "add", "--subject-name", "某检测店", "--violation", "forged-report", "--summary",
      "signed with the old key", "--to", "all",
      "--json")
    #expect(before.status == 0, "\(before)")
    let beforeLead =
      try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any])["id"]
      as? String ?? ""
    let photo = temporaryDirectory("rotate-evidence").appendingPathComponent("photo.jpg")
    try randomBytes(2_000, seed: 5).write(to: photo)
    #expect(
      try await yrd.cli("evidence", "add", beforeLead, photo.path, "--category", "physical").status == 0)
    let oldFingerprint = try await shown(yrd).inUse

    let new = try federation.issue("yrd")
    let foreign = try TestFederation(label: "rotate-foreign", nodes: ["yrd"])
    let refusals: [(NodeFiles, String)] = [
      (
        NodeFiles(certificate: federation.files("jjj").certificate, key: federation.files("jjj").key),
        "init.cert-other-node"
      ),
      (NodeFiles(certificate: new.certificate, key: old.key), "init.key-mismatch"),
      (foreign.files("yrd"), "cert.not-trusted"),
    ]
    for (pair, code) in refusals {
      let refused = try await yrd.cli(
        "cert", "rotate", "--cert", pair.certificate.path, "--key", pair.key.path)
      #expect(refused.failed(with: code), "\(refused)")
    }
    #expect(try await shown(yrd).inUse == oldFingerprint)
    #expect(try await shown(yrd).announced.count == 1, "a refused rotation announces nothing")

    let rotated = try await yrd.cli("cert", "rotate", "--cert", new.certificate.path, "--key", new.key.path)
    #expect(rotated.status == 0 && rotated.stdout.contains("announced the new certificate"), "\(rotated)")
    let again = try await yrd.cli("cert", "rotate", "--cert", new.certificate.path, "--key", new.key.path)
    #expect(again.status == 0 && again.stdout.contains("nothing to do"), "\(again)")
    let (inUse, announced) = try await shown(yrd)
    #expect(inUse != oldFingerprint && announced.count == 2)
    #expect(announced.map { $0["inUse"] as? Bool } == [false, true])
    let after = try await yrd.cli(
      "lead", "add", "--subject-name", "某认证店", "--violation", "no-ccc", "--summary",
      "signed with the new key", "--to", "all",
      "--json")
    #expect(after.status == 0, "\(after)")
    let signers = try await yrd.cli("log", "--json")
    #expect(signers.stdout.contains(inUse), "the new change is signed with the new certificate")

    // jjj takes the rotation before the revocation, and its checkpoint says so: what the old key
    // signed, the rotation included, stays valid after the revocation only because another node
    // witnessed it in time (`RevocationRule`; `RevocationRuleTests` has the unwitnessed case).
    #expect(try await jjj.cli("sync", "yrd").status == 0)

    // The CA revokes the old certificate; both nodes install the CRL.
    try await Task.sleep(for: .seconds(1.1))  // revocation times have one-second resolution
    let oldSerial = try #require(try Certificate.chain(pem: Data(contentsOf: old.certificate)).first)
      .serialHex
    try federation.pki(["revoke", federation.directory.path, "yrd", "--serial", oldSerial])
    try federation.publishCRL()
    for node in [jjj, yrd] {
      #expect(try await node.cli("crl", "install", federation.crlURL.path).status == 0)
    }

    // Until the reload, the running node still presents its old certificate, which jjj refuses.
    let stale = try await jjj.cli("sync", "yrd")
    #expect(stale.failed(with: "tls.handshake-failed"), "\(stale)")
    yrd.server!.signal(SIGHUP)
    let newSerial = try #require(try Certificate.chain(pem: Data(contentsOf: new.certificate)).first)
      .serialHex
    #expect(
      await eventually(10) { yrd.log.contains("certificate serial \(newSerial)") }, "\(yrd.log.suffix(600))")
    let synced = try await jjj.cli("sync", "yrd")
    #expect(synced.status == 0, "\(synced)")
    for lead in [before, after] {
      let id =
        try #require(
          try JSONSerialization.jsonObject(with: Data(lead.stdout.utf8)) as? [String: Any])["id"] as? String
        ?? ""
      #expect(try await jjj.cli("lead", "show", id).status == 0, "jjj holds \(id)")
    }
    for node in [jjj, yrd] {
      let verified = try await node.cli("verify")
      #expect(verified.status == 0 && !verified.stdout.contains("withheld"), "\(node.name): \(verified)")
    }
    // A node that joins after the revocation takes the whole history: the rotation, announced by
    // the old key before it was revoked, and everything the new key signed after (#25 item 3).
    _ = try federation.issue("prd")
    let prd = try await NodeProcess("prd", federation: federation)
    #expect(try await prd.cli("crl", "install", federation.crlURL.path).status == 0)
    #expect(try await prd.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)").status == 0)
    let joined = try await prd.cli("sync", "yrd")
    #expect(joined.status == 0, "\(joined)")
    let joinedVerify = try await prd.cli("verify", "--quick")
    #expect(joinedVerify.status == 0, "\(joinedVerify)")
    #expect(try await prd.cli("lead", "list").stdout.contains("signed with the new key"))
    // A bundle of the evidence the old key recorded verifies: the old certificate was revoked
    // after its last signature there, which verify.sh shows from the CRL; a year on, too.
    let bundle = temporaryDirectory("rotate-bundle").appendingPathComponent("bundle")
    #expect(try await yrd.cli("evidence", "export", beforeLead, "--out", bundle.path).status == 0)
    for later in ["+0d", "+400d"] {
      let checked = try await run(
        "faketime", ["-f", later, "sh", bundle.appendingPathComponent("verify.sh").path])
      #expect(
        checked.status == 0 && checked.stdout.contains("(serial \(oldSerial)) was revoked at")
          && checked.stdout.contains("All checks passed"), "\(later): \(checked)")
    }
  }

  @Test("a rotation cut short by a crash is finished by the next command, never announced twice")
  func interruptedRotation() async throws {
    let federation = try TestFederation(label: "rotate-crash", nodes: ["yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let old = try copy(federation.files("yrd"), to: temporaryDirectory("rotate-crash-old"))
    let new = try federation.issue("yrd")
    #expect(
      try await yrd.cli("cert", "rotate", "--cert", new.certificate.path, "--key", new.key.path).status == 0)
    let rotated = try await shown(yrd).inUse
    let file = { (name: String) in yrd.data.appendingPathComponent(name) }
    let fileManager = FileManager.default
    func put(_ source: URL, as name: String) throws {
      try? fileManager.removeItem(at: file(name))
      try fileManager.copyItem(at: source, to: file(name))
    }

    // Killed after renaming the key, before the certificate: the next command finishes it.
    try put(old.certificate, as: "node.pem")
    try put(new.certificate, as: "node.pem.next")
    #expect(try await shown(yrd).inUse == rotated)
    #expect(!fileManager.fileExists(atPath: file("node.pem.next").path))

    // Killed while staging, before the certificate was staged: the staged key is dropped.
    try put(old.key, as: "node.key.next")
    #expect(try await shown(yrd).inUse == rotated)
    #expect(!fileManager.fileExists(atPath: file("node.key.next").path))

    // Killed after the announcement, before any file changed: running it again installs the
    // pair without a second announcement.
    try put(old.certificate, as: "node.pem")
    try put(old.key, as: "node.key")
    #expect(try await shown(yrd).inUse != rotated)
    let resumed = try await yrd.cli("cert", "rotate", "--cert", new.certificate.path, "--key", new.key.path)
    #expect(resumed.status == 0 && resumed.stdout.contains("already announced"), "\(resumed)")
    #expect(try await shown(yrd).inUse == rotated)
    #expect(try await shown(yrd).announced.count == 2)

    // A key that is not the certificate's is named, not used.
    try put(old.key, as: "node.key")
    let mismatch = try await yrd.cli("status")
    #expect(mismatch.failed(with: "node.identity-mismatch"), "\(mismatch)")
    #expect(try await yrd.cli("verify").status == 1)
  }
}
