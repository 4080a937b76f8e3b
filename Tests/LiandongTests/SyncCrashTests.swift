import Foundation
import LiandongCore
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
        index -> (body: ChangeBody, audience: Audience) in
        let subject = ObjectID()
        return (
          ChangeBody(
            officer: "bulk",
            operations: [
              DomainOperation(
                objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "shop \(index)"))),
              DomainOperation(
                objectID: ObjectID(),
                action: .createLead(
                  LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: "lead \(index)"))),
            ]), .all
        )
      }
      _ = try home.store.appendLocal(
        bodies, author: home.author, verifier: home.verifier, physicalMillis: Date().unixMillis)
      written += bodies.count
    }
  }

  static func integrityCheck(_ node: NodeProcess) throws -> String {
    try run("sqlite3", [node.data.appendingPathComponent("liandong.sqlite").path, "PRAGMA integrity_check;"])
      .stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("SIGKILL of the receiving and of the sending process during a large sync loses nothing acknowledged")
  func killDuringSync() async throws {
    let seed =
      UInt64(ProcessInfo.processInfo.environment["LIANDONG_SEED"] ?? "")
      ?? UInt64(Date().timeIntervalSince1970)
    var random = SeededGenerator(seed: seed)
    let context = "seed \(seed) (replay with LIANDONG_SEED=\(seed)), \(Self.changeCount) changes"
    let federation = try TestFederation(label: "crash", nodes: ["jjj", "yrd"])
    let jjj = try NodeProcess("jjj", federation: federation)
    let yrd = try NodeProcess("yrd", federation: federation)

    // jjj holds many changes, written through the library in transactions of 500.
    let started = Date()
    try Self.writeLeads(Self.changeCount, into: jjj)
    let total = UInt64(Self.changeCount + 1)  // and the announcement
    let generated = Date()

    var senderLogs: [String] = []
    var receiverKills = 0
    var senderKills = 0

    // Rounds: yrd runs `liandong sync jjj` while jjj serves, and one of them is killed with
    // SIGKILL at a random moment, receiver and sender in turn. After each kill, yrd must hold
    // everything jjj's logs say it acknowledged.
    var round = 0
    while receiverKills < Self.kills || senderKills < Self.kills {
      round += 1
      if jjj.server?.status != nil || jjj.server == nil {
        try await jjj.serve(interval: 3600, extra: ["--batch-bytes", "65536"])
        try yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
      }
      let sync = try ChildProcess(
        liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path, "--batch-bytes", "65536"])
      try await Task.sleep(for: .milliseconds(Int.random(in: 30...350, using: &random)))
      let killSender = receiverKills >= Self.kills || (senderKills < Self.kills && round % 2 == 0)
      if killSender, let server = jjj.server, kill(server.pid, 0) == 0, sync.status == nil,
        kill(sync.pid, 0) == 0
      {
        server.signal(SIGKILL)
        server.wait(timeout: 30)
        senderKills += 1
      } else if !killSender, sync.status == nil, kill(sync.pid, 0) == 0 {
        sync.signal(SIGKILL)
        receiverKills += 1
      }
      sync.wait(timeout: 60)
      senderLogs.append(jjj.log)
      let acked = Self.acknowledged(in: senderLogs, peer: "yrd", origin: "jjj")
      let held = UInt64(try yrd.status()["versionVector"].flatMap { ($0 as? [String: Int])?["jjj"] } ?? 0)
      #expect(
        held >= acked, "\(context), round \(round): yrd holds jjj#\(held) but acknowledged jjj#\(acked)")
      #expect(try Self.integrityCheck(jjj) == "ok" && Self.integrityCheck(yrd) == "ok", "\(context)")
      if held == total { break }
    }
    _ = jjj.stop()
    let killed = Date()

    // Then a final, uninterrupted sync: everything arrives, verifies, and folds identically.
    try await jjj.serve(interval: 3600)
    defer { _ = jjj.stop() }
    try yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let final = try run(liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path], timeout: 600)
    #expect(final.status == 0, "\(context): \(final)")
    let jjjStatus = try jjj.status()
    let yrdStatus = try yrd.status()
    #expect(
      jjjStatus["versionVector"] as? [String: Int] == yrdStatus["versionVector"] as? [String: Int],
      "\(context)")
    #expect((yrdStatus["versionVector"] as? [String: Int])?["jjj"] == Int(total), "\(context)")
    #expect(
      jjjStatus["projectionDigest"] as? String == yrdStatus["projectionDigest"] as? String, "\(context)")
    #expect(try yrd.cli("verify").status == 0 && jjj.cli("verify").status == 0, "\(context)")
    print(
      "crash safety: \(context): \(receiverKills) receiver kills, \(senderKills) sender kills in \(round) rounds, "
        + "nothing acknowledged lost; "
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
    let jjj = try NodeProcess("jjj", federation: federation)
    let yrd = try NodeProcess("yrd", federation: federation)
    try SyncCrashTests.writeLeads(2_000, into: jjj)
    try await jjj.serve(interval: 3600)
    // Idle authenticated peers, and one that never finishes its handshake.
    var idle: [AuthenticatedConnection] = []
    for _ in 0..<3 { idle.append(try await connect(federation.tlsConfiguration("evil"), port: jjj.port)) }
    let silent = try RawSocket(port: jjj.port)
    try yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let sync = try ChildProcess(liandongBinary.path, ["sync", "jjj", "--data", yrd.data.path])
    try await Task.sleep(for: .milliseconds(300))
    #expect(jjj.stop() == 0, "serve did not stop cleanly: \(jjj.log.suffix(1500))")
    #expect(jjj.log.contains("stopped"))
    sync.wait(timeout: 60)
    for connection in idle { await connection.close() }
    _ = silent
    for node in [jjj, yrd] {
      #expect(try SyncCrashTests.integrityCheck(node) == "ok")
      #expect(try node.cli("verify").status == 0)
    }
  }
}
