import Foundation
import LiandongCore
import LiandongCrypto
import Testing

/// `liandong doctor` on real nodes, each problem made for real: a CRL about to expire, a clock
/// off under faketime, a peer gone, a peer revoked, a damaged database, a damaged evidence file,
/// a full tmpfs. Each finding must carry its remedy, and the exit status must say how bad.
@Suite("liandong doctor on real nodes", .serialized)
struct DoctorTests {
  struct Report: Decodable {
    var node: String?
    var findings: [Finding]

    func finding(_ check: String, _ subject: String? = nil) -> Finding? {
      findings.first { $0.check == check && (subject == nil || $0.subject == subject) }
    }
  }

  struct Finding: Decodable, CustomStringConvertible {
    var check: String
    var subject: String?
    var severity: String
    var message: String
    var remedy: String?
    var description: String { "\(severity) \(check) \(subject ?? ""): \(message) → \(remedy ?? "-")" }
  }

  static func doctor(_ node: NodeProcess, _ extra: String...) async throws -> (ProcessResult, Report) {
    let result = try await node.cli(["doctor", "--json", "--timeout", "5"] + extra)
    let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    return (result, report)
  }

  /// jjj, with yrd serving as its peer (the caller stops yrd).
  static func servingPair(_ label: String) async throws -> (TestFederation, NodeProcess, NodeProcess) {
    let federation = try TestFederation(label: label, nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    try jjj.countWithCalendarAhead()
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    return (federation, jjj, yrd)
  }

  /// A port nothing listens on: bound, noted, and closed again.
  static func closedPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
      try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        guard bind(socket, $0, length) == 0, getsockname(socket, $0, &length) == 0 else {
          throw TestFailure("cannot bind a probe socket")
        }
      }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  @Test("a healthy node with a serving peer: every check ok, exit 0, and the peer stores and logs nothing")
  func healthy() async throws {
    let (_, jjj, yrd) = try await Self.servingPair("doctor-ok")
    defer { _ = yrd.stop() }
    let lead = try await jjj.addLead()
    let file = temporaryDirectory("doctor-ok-file").appendingPathComponent("photo.jpg")
    try randomBytes(200_000, seed: 3).write(to: file)
    #expect(try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical").status == 0)
    let before = try await yrd.status()["changes"] as? Int

    let (result, report) = try await Self.doctor(jjj)
    #expect(result.status == 0, "\(report.findings)")
    #expect(report.node == "jjj")
    for check in [
      "config", "certificate", "crl", "calendar", "disk", "database", "clock", "evidence", "peer",
    ] {
      #expect(report.finding(check)?.severity == "ok", "\(check): \(report.findings)")
    }
    #expect(report.finding("evidence")?.message.contains("1 of 1") == true, "\(report.findings)")
    let clock = try #require(report.finding("clock", "yrd"), "no clock reading from yrd: \(report.findings)")
    #expect(clock.severity == "ok" && clock.message.contains("agrees with yrd's"), "\(clock)")
    #expect(report.findings.allSatisfy { $0.severity != "ok" || $0.remedy == nil })

    // The probe exchanged nothing, and the peer did not count it as a failed session.
    #expect(try await yrd.status()["changes"] as? Int == before)
    #expect(!yrd.log.contains("sync failed") && !yrd.log.contains("warning"), "\(yrd.log)")

    let text = try await jjj.cli("doctor")
    #expect(text.status == 0 && text.stdout.contains("all well"), "\(text)")
  }

  @Test("a CRL expiring in 3 days and an unreachable peer are warnings: exit 1, each with its remedy")
  func warnings() async throws {
    let federation = try TestFederation(label: "doctor-warn", nodes: ["jjj"])
    try federation.publishCRL(hours: 72)
    let jjj = try await NodeProcess("jjj", federation: federation)
    try jjj.countWithCalendarAhead()
    try await jjj.cli("peer", "add", "zzz", "127.0.0.1:\(try Self.closedPort())")

    let (result, report) = try await Self.doctor(jjj)
    #expect(result.status == 1, "\(report.findings)")
    let crl = try #require(report.finding("crl"))
    #expect(crl.severity == "warning" && crl.message.contains("in 2 days"), "\(crl)")
    #expect(crl.remedy?.contains("liandong crl install") == true, "\(crl)")
    let peer = try #require(report.finding("peer", "zzz"))
    #expect(peer.severity == "warning" && peer.message.contains("cannot be reached"), "\(peer)")
    #expect(peer.remedy?.contains("peer list") == true, "\(peer)")
    #expect(!report.findings.contains { $0.severity == "error" }, "\(report.findings)")

    let text = try await jjj.cli("doctor", "--timeout", "5")
    #expect(text.status == 1)
    #expect(
      text.stdout.contains("WARNING  crl") && text.stdout.contains("→ Ask the federation CA"), "\(text)")
    #expect(text.stdout.contains("0 errors, 2 warnings"), "\(text)")
  }

  @Test("a clock 10 minutes off against a peer, and a certificate expired, are errors: exit 2")
  func clockAndExpiry() async throws {
    let (_, jjj, yrd) = try await Self.servingPair("doctor-clock")
    defer { _ = yrd.stop() }

    jjj.clockOffset = "+10m"
    let (ahead, report) = try await Self.doctor(jjj)
    #expect(ahead.status == 2, "\(report.findings)")
    let clock = try #require(report.finding("clock", "yrd"), "\(report.findings)")
    #expect(clock.severity == "error", "\(clock)")
    #expect(clock.message.contains("ahead of yrd's") && clock.message.contains("yrd refuses"), "\(clock)")
    #expect(clock.remedy?.contains("NTP") == true, "\(clock)")
    #expect(report.finding("peer", "yrd")?.severity == "ok", "\(report.findings)")

    jjj.clockOffset = "+400d"
    let (expired, later) = try await Self.doctor(jjj, "--no-peers")
    #expect(expired.status == 2)
    let certificate = try #require(later.finding("certificate"))
    #expect(
      certificate.severity == "error" && certificate.remedy?.contains("cert rotate") == true, "\(certificate)"
    )
    #expect(later.finding("crl")?.severity == "error", "\(later.findings)")
    #expect(later.finding("peer") == nil, "--no-peers contacted a peer: \(later.findings)")

    // A calendar file node.json names but that is gone: no deadline can be counted.
    jjj.clockOffset = nil
    try jjj.editConfiguration { $0["calendar"] = "/nonexistent/cn-workdays.json" }
    let (_, missing) = try await Self.doctor(jjj, "--no-peers")
    let calendar = try #require(missing.finding("calendar"), "\(missing.findings)")
    #expect(
      calendar.severity == "error" && calendar.message.contains("/nonexistent/cn-workdays.json")
        && calendar.remedy?.isEmpty == false, "\(calendar)")
  }

  @Test("a peer whose certificate the CA revoked is an error, not a network warning")
  func revokedPeer() async throws {
    let (federation, jjj, yrd) = try await Self.servingPair("doctor-revoked")
    defer { _ = yrd.stop() }
    try federation.revoke("yrd")
    try federation.publishCRL()
    #expect(try await jjj.cli("crl", "install", federation.crlURL.path).status == 0)

    let (result, report) = try await Self.doctor(jjj)
    #expect(result.status == 2, "\(report.findings)")
    let peer = try #require(report.finding("peer", "yrd"))
    #expect(peer.severity == "error" && peer.remedy?.contains("CRL") == true, "\(peer)")
  }

  @Test("a damaged evidence file and a damaged database are errors whose remedies say how to recover")
  func damage() async throws {
    let federation = try TestFederation(label: "doctor-damage", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead()
    let content = randomBytes(100_000, seed: 9)
    let file = temporaryDirectory("doctor-damage-file").appendingPathComponent("report.pdf")
    try content.write(to: file)
    #expect(try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical").status == 0)
    let hex = SHA256.hash(content).hex
    let blob = jjj.data.appendingPathComponent("blobs/\(hex.prefix(2))/\(hex)")
    var altered = content
    altered[500] ^= 0xff
    try altered.write(to: blob)

    let (found, report) = try await Self.doctor(jjj, "--no-peers")
    #expect(found.status == 2)
    let evidence = try #require(report.finding("evidence"))
    #expect(evidence.severity == "error" && evidence.message.contains(String(hex.prefix(16))), "\(evidence)")
    #expect(evidence.remedy?.contains("liandong verify") == true, "\(evidence)")
    // Doctor only looks: the file is still recorded as held until verify sets it aside.
    #expect(try await jjj.cli("lead", "show", lead).status == 0)

    let database = jjj.data.appendingPathComponent("liandong.sqlite")
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
    try Data(repeating: 0x5a, count: 8192).write(to: database)
    let (broken, damaged) = try await Self.doctor(jjj, "--no-peers")
    #expect(broken.status == 2)
    #expect(damaged.node == nil)
    let finding = try #require(damaged.finding("database"), "\(damaged.findings)")
    #expect(finding.severity == "error" && finding.remedy?.contains("liandong restore") == true, "\(finding)")
    // What does not need the database is still examined.
    #expect(damaged.finding("certificate")?.severity == "ok", "\(damaged.findings)")
    #expect(damaged.finding("disk") != nil)
  }

  @Test(
    "a full disk is an error naming the free space",
    .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs")
  )
  func fullDisk() async throws {
    let federation = try TestFederation(label: "doctor-disk", nodes: ["jjj"])
    let disk = temporaryDirectory("doctor-small-disk")
    try await #require(
      try run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.path]).status == 0)
    defer { _ = try? run("/bin/umount", ["-l", disk.path]) }
    let jjj = try await NodeProcess("jjj", federation: federation, data: disk.appendingPathComponent("jjj"))
    let filler = disk.appendingPathComponent("filler")
    _ = try await run("/bin/dd", ["if=/dev/zero", "of=\(filler.path)", "bs=1M", "count=64"])

    let (result, report) = try await Self.doctor(jjj, "--no-peers")
    #expect(result.status == 2, "\(report.findings)")
    let finding = try #require(report.finding("disk"))
    #expect(finding.severity == "error" && finding.message.contains("free of 16.0 MiB"), "\(finding)")
    #expect(finding.remedy?.contains("Free space") == true, "\(finding)")
  }

  @Test("a misspelt key in node.json is a warning naming it")
  func misspeltKey() async throws {
    let federation = try TestFederation(label: "doctor-config", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    try jjj.countWithCalendarAhead()
    let file = jjj.data.appendingPathComponent("node.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
    object["maximumDrift"] = 60
    object["serve"] = ["listen": "127.0.0.1:7420", "intervall": 5]
    try JSONSerialization.data(withJSONObject: object).write(to: file)
    let (result, report) = try await Self.doctor(jjj, "--no-peers")
    #expect(result.status == 1, "\(report.findings)")
    let config = try #require(report.finding("config"))
    #expect(
      config.severity == "warning" && config.message.contains("maximumDrift, serve.intervall"), "\(config)")
  }

  @Test("bad options are refused with a usage error")
  func badOptions() async throws {
    let federation = try TestFederation(label: "doctor-usage", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    #expect(try await jjj.cli("doctor", "--timeout", "0").failed(with: "usage.arguments"))
    #expect(try await jjj.cli("doctor", "--sample", "-1").failed(with: "usage.arguments"))
    let empty = temporaryDirectory("doctor-empty")
    #expect(
      try await run(liandongBinary.path, ["doctor", "--data", empty.path]).failed(
        with: "node.not-initialised"))
  }
}
