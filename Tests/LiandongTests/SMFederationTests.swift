import Foundation
import Testing

/// A federation on the national algorithms, run as bureaus run it: `liandong-pki init --key
/// sm2`, nodes initialised with their SM2 signing certificate and their P-256 TLS certificate,
/// syncing over TLS 1.3 and refusing a revoked node both at the handshake and at ingest.
@Suite("A federation on SM2 and SM3, end to end")
struct SMFederationTests {
  @Test(
    "init wants the TLS pair exactly in an SM2 federation; two nodes sync and verify, naming certificates by SM3"
  )
  func initAndSync() async throws {
    let federation = try TestFederation(label: "sm-sync", key: "sm2")
    for node in ["jjj", "yrd"] { try federation.issue(node) }
    let files = federation.files("jjj")
    let bare = [
      "init", "--data", temporaryDirectory("sm-bare").path, "--node", "jjj", "--ca", federation.caURL.path,
      "--cert", files.certificate.path, "--key", files.key.path,
    ]
    let withoutTLS = try await run(liandongBinary.path, bare)
    #expect(
      withoutTLS.failed(with: "init.tls-certificate") && withoutTLS.stderr.contains("--tls-cert"),
      "\(withoutTLS)")
    // The signing pair in the TLS pair's place: SM2 cannot do TLS, and init says so.
    let swapped = try await run(
      liandongBinary.path, bare + ["--tls-cert", files.certificate.path, "--tls-key", files.key.path])
    #expect(swapped.failed(with: "init.tls-certificate") && swapped.stderr.contains("P-256"), "\(swapped)")
    // Another node's TLS certificate.
    let yrdTLS = federation.directory.appendingPathComponent("nodes/yrd.tls")
    let foreign = try await run(
      liandongBinary.path, bare + ["--tls-cert", yrdTLS.path + ".pem", "--tls-key", yrdTLS.path + ".key"])
    #expect(foreign.failed(with: "init.tls-certificate") && foreign.stderr.contains("yrd"), "\(foreign)")

    // The TLS pair in the signing pair's place: a P-256 key does not sign in an SM2 federation.
    let jjjTLS = federation.directory.appendingPathComponent("nodes/jjj.tls")
    var tlsAsSigner = bare
    tlsAsSigner[tlsAsSigner.firstIndex(of: files.certificate.path)!] = jjjTLS.path + ".pem"
    tlsAsSigner[tlsAsSigner.firstIndex(of: files.key.path)!] = jjjTLS.path + ".key"
    let p256Signer = try await run(liandongBinary.path, tlsAsSigner)
    #expect(p256Signer.failed(with: "init.key-suite") && p256Signer.stderr.contains("SM2"), "\(p256Signer)")

    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let shown = try await jjj.cli("cert", "show")
    #expect(shown.status == 0, "\(shown)")
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    // It says what it runs on, and whether this OpenSSL could carry SM TLS (RFC 8998).
    #expect(await eventually(10) { yrd.log.contains("national algorithms") && yrd.log.contains("RFC 8998") })
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let added = try await jjj.cli(
      "lead", "add", "--subject-name", "某检测公司", "--violation", "forged-report", "--summary", "出售假报告", "--to",
      "all")
    #expect(added.status == 0, "\(added)")
    let synced = try await jjj.cli("sync", "yrd")
    #expect(synced.status == 0 && synced.stdout.contains("received 1"), "\(synced)\n\(yrd.log.suffix(1500))")
    #expect(try await yrd.cli("lead", "list").stdout.contains("某检测公司"))
    let verified = try await yrd.cli("verify")
    #expect(verified.status == 0, "\(verified)")

    // doctor checks the TLS certificate beside the signing one; a rotation to a P-256 pair is refused.
    let doctor = try await yrd.cli("doctor", "--no-peers", "--sample", "0")
    #expect(
      doctor.stdout.contains("tls-certificate") && doctor.stdout.contains("TLS certificate (tls.pem)"),
      "\(doctor)")
    let rotated = try await yrd.cli(
      "cert", "rotate", "--cert", yrdTLS.path + ".pem", "--key", yrdTLS.path + ".key")
    #expect(rotated.failed(with: "init.key-suite"), "\(rotated)")
    // Without its TLS pair the node still reads, but cannot open a connection, and says why.
    try FileManager.default.removeItem(at: jjj.data.appendingPathComponent("tls.pem"))
    #expect(try await jjj.cli("lead", "list").status == 0)
    let blind = try await jjj.cli("sync", "yrd")
    #expect(blind.failed(with: "init.tls-certificate") && blind.stderr.contains("tls.pem"), "\(blind)")

    // The node names its certificate by SM3, as the openssl tool prints it.
    let printed = try await run(
      "openssl", ["x509", "-in", files.certificate.path, "-noout", "-fingerprint", "-sm3"])
    let sm3 = printed.stdout.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") }
    #expect(
      shown.stdout.lowercased().contains(
        sm3?.lowercased().trimmingCharacters(in: .whitespacesAndNewlines) ?? "-"),
      "\(shown.stdout) vs \(printed.stdout)")
  }

  @Test("a revoked node of an SM2 federation is refused at TLS, through its P-256 certificate, and at ingest")
  func revokedNodeRefused() async throws {
    let federation = try TestFederation(label: "sm-revoke", key: "sm2")
    // jjj's certificates also name a host (for HTTPS): revoke must still find them its own.
    try federation.issue("jjj", hosts: ["127.0.0.1"])
    for node in ["yrd", "prd"] { try federation.issue(node) }
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await jjj.introduce(to: yrd)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    for node in [jjj, prd] { try await node.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)") }
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution

    try federation.revoke("jjj")
    try federation.publishCRL()
    let installed = try await yrd.cli("crl", "install", federation.crlURL.path)
    #expect(installed.status == 0, "\(installed)")
    yrd.server!.signal(SIGHUP)
    #expect(await eventually(10) { yrd.log.contains("trust reloaded") }, "\(yrd.log.suffix(500))")
    let refused = try await jjj.cli("sync", "yrd")
    #expect(refused.failed(with: "sync.refused"), "\(refused)")
    #expect(await eventually(10) { yrd.log.contains("revoked") }, "\(yrd.log.suffix(800))")
    #expect(
      try await prd.cli("sync", "yrd").status == 0, "an honest peer is still served: \(yrd.log.suffix(800))")

    // jjj, not knowing, signs on; its change file reaches yrd another way and is refused there.
    let lead = try await jjj.addLead(subject: "吊销之后")
    #expect(!lead.isEmpty)
    let file = temporaryDirectory("sm-revoked").appendingPathComponent("changes.bin")
    #expect(try await jjj.cli("changes", "export", "--for", "yrd", "--out", file.path).status == 0)
    let imported = try await yrd.cli("changes", "import", file.path)
    #expect(
      imported.stdout.contains("signer-not-trusted") || imported.stderr.contains("signer-not-trusted"),
      "\(imported)")
    #expect(try await !yrd.cli("lead", "list").stdout.contains("吊销之后"))
  }

  @Test(
    "evidence in an SM2 federation: files named by SM3, fetched by sync, and a bundle that openssl alone verifies, years on"
  )
  func evidenceBundle() async throws {
    let federation = try TestFederation(label: "sm-evidence", key: "sm2")
    for node in ["jjj", "yrd"] { try federation.issue(node) }
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary", "无样品出具报告",
      "--to", "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let content = randomBytes(300_000, seed: 30)
    let file = temporaryDirectory("sm-evidence-file").appendingPathComponent("listing.png")
    try content.write(to: file)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot",
      "--json")
    #expect(added.status == 0, "\(added)")
    let sm3 = try await run("openssl", ["dgst", "-sm3", "-r", file.path]).stdout.prefix(64)
    #expect(added.stdout.contains(String(sm3)), "the evidence record carries the file's SM3: \(added.stdout)")

    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let held = await eventually(20) {
      (try? await yrd.cli("evidence", "list", "--item", lead).stdout.contains("held")) == true
    }
    #expect(held, "\(yrd.log.suffix(1500))")
    // Named as what it is, not as SHA-256.
    let listed = try await yrd.cli("evidence", "list", "--item", lead).stdout
    #expect(listed.contains("SM3") && !listed.contains("SHA-256"), "\(listed)")
    #expect(try await yrd.cli("verify").status == 0)

    let out = temporaryDirectory("sm-bundle").appendingPathComponent("bundle")
    let exported = try await yrd.cli("evidence", "export", lead, "--out", out.path)
    #expect(exported.status == 0, "\(exported)")
    let script = out.appendingPathComponent("verify.sh").path
    for later in ["+0d", "+400d", "+3650d"] {
      let checked = try await run("faketime", ["-f", later, "sh", script])
      #expect(checked.status == 0 && checked.stdout.contains("All checks passed"), "\(later): \(checked)")
    }
    let instructions = try String(contentsOf: out.appendingPathComponent("VERIFY.txt"), encoding: .utf8)
    #expect(instructions.contains("-sigopt distid:1234567812345678") && instructions.contains("dgst -sm3"))

    // A changed file, or a CRL whose revoked serials were changed, fails the check.
    for name in ["files", "certs/crl.pem"] {
      let copy = temporaryDirectory("sm-bundle-tampered").appendingPathComponent("bundle")
      try FileManager.default.copyItem(at: out, to: copy)
      if name == "files" {
        let files = try FileManager.default.contentsOfDirectory(
          atPath: copy.appendingPathComponent("files").path)
        let target = copy.appendingPathComponent("files/\(files[0])")
        var data = try Data(contentsOf: target)
        data[data.count / 2] ^= 0x01
        try data.write(to: target)
      } else {
        // Re-encoded with one byte of the CRL's signed part changed, its signature left as it was.
        let crl = copy.appendingPathComponent(name)
        let der = try await run(
          "openssl", ["crl", "-in", crl.path, "-outform", "DER", "-out", crl.path + ".der"])
        #expect(der.status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: crl.path + ".der"))
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: crl.path + ".der"))
        _ = try await run("openssl", ["crl", "-inform", "DER", "-in", crl.path + ".der", "-out", crl.path])
      }
      let checked = try await run("sh", [copy.appendingPathComponent("verify.sh").path])
      #expect(checked.status != 0 && !checked.stdout.contains("All checks passed"), "\(name): \(checked)")
    }
  }
}
