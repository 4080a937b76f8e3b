import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTLS
import LiandongTesting
import Testing

/// Invariant 4 of DESIGN.md with real processes: a batch is acknowledged only after it is
/// committed, so killing either side with SIGKILL at any moment loses nothing acknowledged, and
/// the next session resumes from the receiver's durable vector.
@Suite("Crash safety of sync", .serialized)
struct SyncCrashTests {
  static var changeCount: Int {
    Int(ProcessInfo.processInfo.environment["LIANDONG_CRASH_CHANGES"] ?? "") ?? 20_000
  }
  static var blobBytes: Int {
    Int(ProcessInfo.processInfo.environment["LIANDONG_CRASH_BLOB_BYTES"] ?? "") ?? 50_000_000
  }
  static var kills: Int { Int(ProcessInfo.processInfo.environment["LIANDONG_CRASH_KILLS"] ?? "") ?? 10 }

  /// The highest sequence of `origin` that the sender's logs say `peer` acknowledged.
  static func acknowledged(in logs: [String], peer: String, origin: String) -> UInt64 {
    var highest: UInt64 = 0
    for log in logs {
      for line in log.split(separator: "\n")
      where line.contains("peer acknowledged batch") && line.contains("peer=\(peer)") {
        guard let range = line.range(of: "\(origin)#") else { continue }
        let digits = line[range.upperBound...].prefix { $0.isNumber }
        highest = max(highest, UInt64(digits) ?? 0)
      }
    }
    return highest
  }

  /// Writes `count` changes (a subject and a lead each) into a node's folder through the
  /// library, in transactions of 500: far faster than one `liandong lead add` per change.
  static func writeLeads(_ count: Int, into node: NodeProcess) throws {
    let home = try NodeHome.open(node.data)
    var written = 0
    while written < count {
      let bodies = (written..<min(count, written + 500)).map {
        index -> (body: PreparedBody, audience: Audience) in
        let subject = ObjectID()
        return (
          PreparedBody(
            ChangeBody(
              officer: "bulk",
              operations: [
                DomainOperation(
                  objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "shop \(index)"))
                ),
                DomainOperation(
                  objectID: ObjectID(),
                  action: .createLead(
                    LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: "lead \(index)"))),
              ])), .all
        )
      }
      _ = try home.store.appendLocal(
        bodies, author: home.author, verifier: home.verifier, physicalMillis: Date().unixMillis)
      written += bodies.count
    }
  }

  static func integrityCheck(_ node: NodeProcess) throws -> String {
    try sqlite3(node.data.appendingPathComponent("liandong.sqlite").path, "PRAGMA integrity_check;")
      .stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("SIGKILL of the receiving and of the sending process during a large sync loses nothing acknowledged")
  func killDuringSync() async throws {
    let seed =
      UInt64(ProcessInfo.processInfo.environment["LIANDONG_SEED"] ?? "")
      ?? UInt64(Date().timeIntervalSince1970)
    var random = SeededGenerator(seed: seed)
    let context =
      "seed \(seed) (replay with LIANDONG_SEED=\(seed)), \(Self.changeCount) changes, a file of \(Self.blobBytes) bytes"
    let federation = try TestFederation(label: "crash", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)

    // jjj holds many changes, written through the library in transactions of 500.
    let started = Date()
    try Self.writeLeads(Self.changeCount, into: jjj)
    // And an evidence file of 50 MB, fetched after the changes in each session.
    let content = randomBytes(Self.blobBytes, seed: seed)
    let file = temporaryDirectory("crash-blob").appendingPathComponent("recording.mp4")
    try content.write(to: file)
    let lead = try #require(try NodeHome.open(jjj.data).store.leads().first?.id)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "audio-visual", "--to", "all", "--json")
    #expect(added.status == 0, "\(added)")
    let sha256 = SHA256.hash(content).hex
    let total = UInt64(Self.changeCount + 2)  // and the announcement, and the evidence
    let generated = Date()
    var durableOffset: UInt64 = 0
    var blobHeld = false
    var fileCuts = 0
    var senderLogs: [String] = []
    var receiverKills = 0
    var senderKills = 0
    var round = 0
    let partialFile = yrd.data.appendingPathComponent("blobs/partial/\(sha256)").path

    /// One round: yrd runs `liandong sync jjj` while jjj serves, and after `delay` (in the file
    /// phase, counted from when yrd begins writing the file) one side is killed with SIGKILL. Then
    /// yrd must hold everything jjj's logs say it acknowledged, both databases must pass
    /// integrity_check, and the durable part of the file must not have shrunk.
    func killRound(sender: Bool, delay: ClosedRange<Int>, afterFileBegins: Bool) async throws -> UInt64 {
      round += 1
      if jjj.server?.status != nil || jjj.server == nil {
        try await jjj.serve(interval: 3600, extra: ["--batch-bytes", "65536"])
        try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
      }
      let sync = try ChildProcess(
        liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path, "--batch-bytes", "65536"])
      if afterFileBegins {
        _ = await eventually(120) {
          sync.status != nil || FileManager.default.fileExists(atPath: partialFile)
        }
      }
      try await Task.sleep(for: .milliseconds(Int.random(in: delay, using: &random)))
      if sender, let server = jjj.server, kill(server.pid, 0) == 0, sync.status == nil, kill(sync.pid, 0) == 0
      {
        server.signal(SIGKILL)
        await server.wait(timeout: 30)
        senderKills += 1
      } else if !sender, sync.status == nil, kill(sync.pid, 0) == 0 {
        sync.signal(SIGKILL)
        receiverKills += 1
      }
      await sync.wait(timeout: 120)
      senderLogs.append(jjj.log)
      let acked = Self.acknowledged(in: senderLogs, peer: "yrd", origin: "jjj")
      let held = UInt64(
        try await yrd.status()["versionVector"].flatMap { ($0 as? [String: Int])?["jjj"] } ?? 0)
      #expect(
        held >= acked, "\(context), round \(round): yrd holds jjj#\(held) but acknowledged jjj#\(acked)")
      #expect(try Self.integrityCheck(jjj) == "ok" && Self.integrityCheck(yrd) == "ok", "\(context)")
      let evidence = try await yrd.cli("evidence", "list", "--json").stdout
      if let view = try JSONDecoder().decode([EvidenceView].self, from: Data(evidence.utf8)).first {
        #expect(view.fileBytes >= durableOffset || view.file == "held", "\(context): \(view)")
        durableOffset = view.fileBytes
        blobHeld = view.file == "held"
        if view.file == "partial" { fileCuts += 1 }
      }
      return held
    }

    // The changes: receiver and sender killed in turn at random moments.
    while receiverKills < Self.kills || senderKills < Self.kills {
      let sender = receiverKills >= Self.kills || (senderKills < Self.kills && round % 2 == 1)
      if try await killRound(sender: sender, delay: 30...350, afterFileBegins: false) == total { break }
    }
    // The file: kills soon after yrd begins writing it, until it was cut three times or arrived.
    var fileRounds = 0
    while fileCuts < 3 && !blobHeld && fileRounds < 20 {
      fileRounds += 1
      _ = try await killRound(sender: fileRounds % 2 == 0, delay: 0...100, afterFileBegins: true)
    }
    #expect(fileCuts >= 1 || blobHeld, "\(context): the file's transfer was never cut nor completed")
    _ = jjj.stop()
    let killed = Date()

    // Then a final, uninterrupted sync: everything arrives, verifies, and folds identically.
    try await jjj.serve(interval: 3600)
    defer { _ = jjj.stop() }
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let final = try await run(liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path], timeout: 600)
    #expect(final.status == 0, "\(context): \(final)")
    // yrd records the file's receipt as its own change when the file arrives: if that was in the
    // final sync, one more round carries it to jjj.
    let carry = try await run(liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path], timeout: 600)
    #expect(carry.status == 0, "\(context): \(carry)")
    let jjjStatus = try await jjj.status()
    let yrdStatus = try await yrd.status()
    #expect(
      jjjStatus["versionVector"] as? [String: Int] == yrdStatus["versionVector"] as? [String: Int],
      "\(context)")
    #expect((yrdStatus["versionVector"] as? [String: Int])?["jjj"] == Int(total), "\(context)")
    #expect(
      jjjStatus["projectionDigest"] as? String == yrdStatus["projectionDigest"] as? String, "\(context)")
    #expect(try await yrd.cli("verify").status == 0, "\(context)")
    #expect(try await jjj.cli("verify").status == 0, "\(context)")
    let received = try Data(
      contentsOf: yrd.data.appendingPathComponent("blobs/\(sha256.prefix(2))/\(sha256)"))
    #expect(SHA256.hash(received).hex == sha256, "\(context): the evidence file arrived intact")
    print(
      "crash safety: \(context): \(receiverKills) receiver kills, \(senderKills) sender kills in \(round) rounds, "
        + "the file's transfer cut \(fileCuts) times; nothing acknowledged lost; "
        + String(
          format: "writing %.1f s, kill rounds %.1f s, final sync and checks %.1f s",
          generated.timeIntervalSince(started), killed.timeIntervalSince(generated),
          Date().timeIntervalSince(killed)))
  }
}

@Suite("Graceful shutdown of liandong serve")
struct GracefulShutdownTests {
  @Test("SIGTERM during a sync, with other peers connected, exits 0 and leaves both stores intact")
  func sigtermDuringSync() async throws {
    let federation = try TestFederation(label: "sigterm", nodes: ["jjj", "yrd", "evil"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try SyncCrashTests.writeLeads(2_000, into: jjj)
    try await jjj.serve(interval: 3600)
    // Idle authenticated peers, and one that never finishes its handshake.
    var idle: [AuthenticatedConnection] = []
    for _ in 0..<3 { idle.append(try await connect(federation.tlsConfiguration("evil"), port: jjj.port)) }
    let silent = try RawSocket(port: jjj.port)
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let sync = try ChildProcess(liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path])
    try await Task.sleep(for: .milliseconds(300))
    #expect(jjj.stop() == 0, "serve did not stop cleanly: \(jjj.log.suffix(1500))")
    #expect(jjj.log.contains("stopped"))
    await sync.wait(timeout: 60)
    for connection in idle { await connection.close() }
    _ = silent
    for node in [jjj, yrd] {
      #expect(try SyncCrashTests.integrityCheck(node) == "ok")
      #expect(try await node.cli("verify").status == 0)
    }
  }
}
