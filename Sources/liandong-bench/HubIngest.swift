import Foundation
import LiandongCore
import LiandongStore
import LiandongTesting

/// B11: a hub's change log on PostgreSQL (a real server started here, `fsync` and
/// `synchronous_commit` on) taking a sync's batches, beside the SQLite store taking the same
/// batches in the same run (`synchronous=FULL`): the same code decides and folds both, so the
/// ratio is what the engine and the round trips to it cost. One process, one batch at a time.
struct HubIngest {
  let workspace: BenchWorkspace
  let scale: Double
  /// About what a sync session commits at once.
  static let batchSize = 500

  func run() async throws -> [BenchRow] {
    let count = max(100, Int(10_000 * scale))
    let source = try BenchNode("bench-a", workspace: workspace, copy: 11)
    log("B11: writing \(count) leads on bench-a, one per change ...")
    try source.writeLeads(count)
    let home = try NodeHome.open(source.data)
    let changes = try home.store.changes(after: [:])
    let hub = try NodeID("bench-hub")
    let sqlite = try NodeStore(path: workspace.path("b11-hub.sqlite"), node: hub)
    log("B11: ingesting \(changes.count) changes into SQLite ...")
    let sqliteSeconds = try secondsTaken { try Self.ingest(changes, into: sqlite.ingest, home.verifier) }
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let postgres = try PostgresStore(url: server.url(database: "hub"), node: hub)
    log("B11: ingesting \(changes.count) changes into PostgreSQL ...")
    let postgresSeconds = try secondsTaken { try Self.ingest(changes, into: postgres.ingest, home.verifier) }
    guard try postgres.projectionDigest() == sqlite.projectionDigest() else {
      throw BenchError("B11: the PostgreSQL store's projections differ from the SQLite store's")
    }
    return [
      BenchRow(
        scenario: "B11", ours: Double(changes.count) / postgresSeconds,
        reference: Double(changes.count) / sqliteSeconds, unit: "/s",
        referenceName: "the SQLite store, the same batches", goal: 0.8,
        note:
          "\(changes.count) changes (one lead each) ingested \(Self.batchSize) to a transaction into a hub's PostgreSQL on loopback"
      )
    ]
  }

  private static func ingest(
    _ changes: [SignedChange],
    into store: ([SignedChange], ChangeVerifier, UInt64, SignatureChecks?, [PreparedBody?]?) throws ->
      [IngestOutcome],
    _ verifier: ChangeVerifier
  ) throws {
    for start in stride(from: 0, to: changes.count, by: batchSize) {
      let batch = Array(changes[start..<min(start + batchSize, changes.count)])
      let outcomes = try store(batch, verifier, Date().unixMillis + 60_000, nil, nil)
      guard outcomes.allSatisfy(\.isAccepted) else { throw BenchError("B11: a change was refused") }
    }
  }
}
