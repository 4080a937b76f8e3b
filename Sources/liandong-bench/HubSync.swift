import Foundation
import LiandongTesting

/// B12: B1 and B2 with the receiving node a hub on PostgreSQL (made by `init --store`, a server
/// started here with `fsync` and `synchronous_commit` on), each beside the same work done by a
/// node on SQLite in the same run: the ratio is what running on PostgreSQL costs a whole node,
/// its processes, TLS and sync included.
struct HubSync {
  let workspace: BenchWorkspace
  let scale: Double

  func run() async throws -> [BenchRow] {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    return [try await syncIn(server), try importLeads(server)]
  }

  /// B1's sync of one-lead changes from bench-a, into an empty SQLite node (bench-b), then into
  /// an empty hub (bench-hub): distinct nodes, so that bench-a sees no fork.
  private func syncIn(_ server: PostgreSQLServer) async throws -> BenchRow {
    let count = max(100, Int(100_000 * scale))
    try server.createDatabase("hub_sync")
    let a = try BenchNode("bench-a", workspace: workspace, copy: 12)
    let sqlite = try BenchNode("bench-b", workspace: workspace, copy: 12)
    let hub = try BenchNode(
      "bench-hub", workspace: workspace, copy: 12, initOptions: ["--store", server.url(database: "hub_sync")])
    log("B12: writing \(count) leads on bench-a, one per change ...")
    try a.writeLeads(count)
    let (serving, port) = try await a.serve()
    defer { serving.stopServing() }
    log("B12: syncing them to an empty node on SQLite, then to an empty hub on PostgreSQL ...")
    let onSQLite = try sqlite.sync(with: "bench-a", port: port)
    let onHub = try hub.sync(with: "bench-a", port: port)
    // The hub also receives bench-b's first change, which bench-a took from it meanwhile.
    let (sqliteHeld, hubHeld) = (try sqlite.changeCount(), try hub.changeCount())
    guard sqliteHeld >= count, hubHeld >= count + 1 else {
      throw BenchError("B12: bench-b holds \(sqliteHeld) changes and the hub \(hubHeld) of \(count)")
    }
    return BenchRow(
      scenario: "B1 (hub)", ours: Double(hubHeld) / onHub.wall, reference: Double(sqliteHeld) / onSQLite.wall,
      unit: "/s", referenceName: "the same sync into a node on SQLite", goal: 0.8,
      note: String(
        format:
          "%d one-lead changes from bench-a by 'liandong sync' (wall time): into a hub on PostgreSQL on loopback %.1f s, into a node on SQLite %.1f s",
        count, onHub.wall, onSQLite.wall))
  }

  /// B2's import of leads from a CSV file: on a node on SQLite, then on a hub.
  private func importLeads(_ server: PostgreSQLServer) throws -> BenchRow {
    let count = max(100, Int(200_000 * scale))
    try server.createDatabase("hub_import")
    let sqlite = try BenchNode("bench-c", workspace: workspace, copy: 12)
    let hub = try BenchNode(
      "bench-hub", workspace: workspace, copy: 13,
      initOptions: ["--store", server.url(database: "hub_import")])
    let csv = try SyncScenarios.writeB2Leads(
      count, to: workspace.directory.appendingPathComponent("b12-leads.csv"))
    func seconds(_ node: BenchNode) throws -> Double {
      try secondsTaken { try node.cli(["lead", "import", csv.path, "--to", "all", "--json"]) }
    }
    log("B12: importing \(count) leads on a node on SQLite, then on a hub on PostgreSQL ...")
    let onSQLite = try seconds(sqlite)
    let onHub = try seconds(hub)
    return BenchRow(
      scenario: "B2 (hub)", ours: Double(count) / onHub, reference: Double(count) / onSQLite, unit: "/s",
      referenceName: "the same import on a node on SQLite", goal: 0.8,
      note: String(
        format:
          "%d leads by 'liandong lead import': on a hub on PostgreSQL on loopback %.1f s, on SQLite %.1f s",
        count, onHub, onSQLite))
  }
}
