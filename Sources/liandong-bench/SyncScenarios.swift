import Foundation
import LiandongCore
import LiandongStore
import LiandongTesting

/// B1, B2 and B4 of BENCHMARKS.md: whole nodes, real `liandong serve` and `liandong sync`
/// processes over mutual TLS on loopback, each beside a reference measured in the same run.
struct SyncScenarios {
  let workspace: BenchWorkspace
  let scale: Double

  /// B1: leads made one per change on A, then a one-shot sync to an empty B; B4: a second sync
  /// when nothing is new.
  func b1AndB4(label: String = "B1", copy: Int = 0) async throws -> [BenchRow] {
    let count = max(100, Int(100_000 * scale))
    let a = try BenchNode("bench-a", workspace: workspace, copy: copy)
    let b = try BenchNode("bench-b", workspace: workspace, copy: copy)
    log("\(label): writing \(count) leads on bench-a, one per change ...")
    try a.writeLeads(count)
    let held = try a.changeCount()
    let (server, port) = try await a.serve()
    defer { server.stopServing() }
    log("\(label): syncing \(held) changes to the empty bench-b ...")
    let first = try b.sync(with: "bench-a", port: port)
    // bench-b holds its own first change as well.
    guard try b.changeCount() >= held + 1 else {
      throw BenchError("bench-b holds \(try b.changeCount()) of \(held)")
    }
    let verifyRate = try opensslVerifyRate()
    let ours = Double(held) / first.wall
    log(
      String(
        format: "\(label): %.0f changes/s end to end; OpenSSL verifies %.0f/s on one core", ours,
        verifyRate.rate))
    // Nothing new: what a quiet sync costs once the handshake is done.
    let quiet = try QuietSync(b, with: "bench-a", port: port)
    return [
      BenchRow(
        scenario: label, ours: ours, reference: verifyRate.rate, unit: "/s",
        referenceName: "openssl speed \(verifyRate.algorithm) verify, one core",
        goal: 1.0,
        note:
          "\(held) changes (one lead each) from bench-a to an empty bench-b, verified and merged; wall time of 'liandong sync'"
      )
    ] + quiet.rows(holding: "\(held) changes from 1 origin (goal: 1,000,000 from 7: see b5)")
  }

  /// B2: leads imported in bulk, then synced to an empty node, beside the same rows inserted
  /// into a bare SQLite table in one transaction.
  func b2() async throws -> BenchRow {
    let count = max(100, Int(200_000 * scale))
    let c = try BenchNode("bench-c", workspace: workspace)
    let empty = try BenchNode("bench-b", workspace: workspace, copy: 2)
    let csv = try Self.writeB2Leads(count, to: workspace.directory.appendingPathComponent("leads.csv"))
    log("B2: importing \(count) leads on bench-c ...")
    let started = Date()
    try c.cli(["lead", "import", csv.path, "--to", "all", "--json"])
    let imported = Date().timeIntervalSince(started)
    let (server, port) = try await c.serve()
    defer { server.stopServing() }
    log("B2: syncing to an empty node ...")
    let synced = try empty.sync(with: "bench-c", port: port)
    // The sync runs both ways: each then holds the other's first change too.
    guard try empty.changeCount() == (try c.changeCount()) else {
      throw BenchError(
        "the empty node holds \(try empty.changeCount()) changes of \(try c.changeCount()); sync: \(synced)")
    }
    let ours = Double(count) / (imported + synced.wall)
    let bare = try bareInsertSeconds(count)
    let reference = Double(count) / bare
    let own = try OwnRows(workspace: workspace).seconds(
      count, model: c.data.appendingPathComponent("liandong.sqlite").path)
    log(
      String(
        format:
          "B2: %.0f leads/s (import %.1f s + sync %.1f s); bare SQLite %.0f leads/s; a node's own rows in bare SQLite %.1f s",
        ours, imported, synced.wall, reference, own))
    // Not a goal of the issue, but what an officer of that bureau waits for next.
    for command in [["status"], ["due"]] {
      let started = Date()
      try c.cli(command)
      log(
        String(
          format: "B2: 'liandong %@' on bench-c took %.1f s", command[0], Date().timeIntervalSince(started)))
    }
    return BenchRow(
      scenario: "B2", ours: ours, reference: reference, unit: "/s",
      referenceName: "the same subject and lead rows into bare SQLite tables, one transaction",
      goal: 0.5,
      note: String(
        format:
          "%d leads: import %.1f s, then sync to an empty node %.1f s; every row a node writes for them (log, operation index, projections), through GRDB into bare SQLite in the import's transactions: %.1f s, %.1fx the reference's",
        count, imported, synced.wall, own, own / bare))
  }

  /// B2's CSV file of `count` leads, for `liandong lead import`; returns `file`.
  static func writeB2Leads(_ count: Int, to file: URL) throws -> URL {
    var text = "subject_name,subject_uscc,platform,shop_id,violations,summary,risk\n"
    for index in 0..<count {
      text +=
        "检测服务店\(index),,某电商平台,\(100_000 + index),forged-report;misused-cma,sells one-day reports \(index),high\n"
    }
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
  }

  /// Seconds to insert `count` subject rows and lead rows, shaped like the projections, into
  /// bare tables in one transaction (WAL, synchronous FULL, as the node's store).
  private func bareInsertSeconds(_ count: Int) throws -> Double {
    let bare = try workspace.bareDatabase("bare.sqlite")
    try bare.transaction { db in
      try db.execute(
        """
        CREATE TABLE subjects (id TEXT PRIMARY KEY, origin TEXT, kind TEXT, name TEXT, uscc TEXT, platform TEXT,
          shop_id TEXT, created_wall INTEGER, created_counter INTEGER, audience TEXT);
        CREATE TABLE leads (id TEXT PRIMARY KEY, origin TEXT, owner TEXT, state TEXT, source TEXT, violations TEXT,
          subject_ids TEXT, product_category TEXT, summary TEXT, risk TEXT, source_reliability TEXT,
          information_reliability INTEGER, reporter_real_name INTEGER, created_by TEXT, created_wall INTEGER,
          created_counter INTEGER, updated_wall INTEGER, updated_counter INTEGER, audience TEXT);
        """)
    }
    let started = Date()
    try bare.transaction { db in
      let subject = try db.prepare("INSERT INTO subjects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      let lead = try db.prepare(
        "INSERT INTO leads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      for index in 0..<count {
        let subjectID = UUID().uuidString.lowercased()
        try subject.run([
          .text(subjectID), "bench-c", "enterprise", .text("检测服务店\(index)"), nil, "某电商平台",
          .text("\(100_000 + index)"), .int(index), 0, "all",
        ])
        try lead.run(Self.leadRow(id: UUID(), subject: subjectID, index: index))
      }
    }
    return Date().timeIntervalSince(started)
  }

  /// The projected lead row that both of B2's bare-SQLite yardsticks write for the CSV's row
  /// `index`, in the columns' order of the node's `p_leads`.
  static func leadRow(id: UUID, subject: String, index: Int) -> [BareSQLite.Value] {
    [
      .text(id.uuidString.lowercased()), "bench-c", "bench-c", "published", "online-monitoring",
      "forged-report,misused-cma", .text(subject), "", .text("sells one-day reports \(index)"), "high", "X",
      4,
      false, "bench", .int(index), 0, .int(index), 0, "all",
    ]
  }

  /// `openssl speed` for the algorithm of the bench nodes' keys: verifications per second, one core.
  private func opensslVerifyRate() throws -> (algorithm: String, rate: Double) {
    let key = try String(contentsOfFile: workspace.path("nodes/bench-a.key"), encoding: .utf8)
    let described = try ChildProcess(
      "/usr/bin/openssl", ["pkey", "-in", workspace.path("nodes/bench-a.key"), "-noout", "-text"])
    _ = described.wait(timeout: 30)
    let algorithm =
      described.stdout.contains("SM2")
      ? "sm2" : described.stdout.contains("ED25519") || key.contains("ED25519") ? "ed25519" : "ecdsap256"
    let child = try ChildProcess("/usr/bin/openssl", ["speed", "-seconds", "3", algorithm])
    guard child.wait(timeout: 120) == 0 else { throw BenchError("openssl speed failed: \(child.stderr)") }
    // The last line: "... <sign/s> <verify/s>"; the verify rate is its last number.
    guard let line = child.stdout.split(separator: "\n").last(where: { !$0.isEmpty }),
      let rate = line.split(separator: " ").last.flatMap({ Double($0) })
    else { throw BenchError("cannot read openssl speed's output: \(child.stdout)") }
    return (algorithm, rate)
  }
}
