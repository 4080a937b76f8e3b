import Foundation
import LiandongTesting

/// B12: B1 and B2 with the receiving node a hub on PostgreSQL (made by `init --store`), each
/// beside the same work done by a node on SQLite in the same run: the ratio is what running on
/// PostgreSQL costs a whole node, its processes, TLS and sync included. First on one server
/// started here (`fsync` and `synchronous_commit` on), then on the cluster `Deploy/hub/`
/// describes (Patroni, a primary whose commits wait for a synchronous standby, HAProxy in front).
struct HubSync {
  let workspace: BenchWorkspace
  let scale: Double

  /// Where the hub's database runs, and the data folders' copy numbers that run uses.
  private struct Database {
    let scenario: String
    let described: String
    let copy: Int
    let url: (String) -> String
    let create: (String) throws -> Void
  }

  func run() async throws -> [BenchRow] {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    let single = Database(
      scenario: "(hub)", described: "a hub on PostgreSQL on loopback", copy: 12,
      url: { server.url(database: $0) }, create: { try server.createDatabase($0) })
    var rows = [try await syncIn(single), try importLeads(single)]
    log("B12: starting a Patroni cluster (etcd, two members, HAProxy) from Deploy/hub ...")
    let cluster: PatroniCluster
    do { cluster = try await PatroniCluster() } catch {
      log("B12 with a synchronous standby: not measured: \(error)")
      return rows
    }
    defer { cluster.stop() }
    let standby = Database(
      scenario: "(sync standby)",
      described: "a hub through HAProxy on a Patroni primary with a synchronous standby, on loopback",
      copy: 14,
      url: { cluster.url(database: $0) },
      create: { try cluster.psql("CREATE DATABASE \($0)", port: cluster.haproxyPort) })
    rows += [try await syncIn(standby), try importLeads(standby)]
    return rows
  }

  /// B1's sync of one-lead changes from bench-a, into an empty SQLite node (bench-b), then into
  /// an empty hub (bench-hub): distinct nodes, so that bench-a sees no fork.
  private func syncIn(_ database: Database) async throws -> BenchRow {
    let count = max(100, Int(100_000 * scale))
    try database.create("hub_sync")
    let a = try BenchNode("bench-a", workspace: workspace, copy: database.copy)
    let sqlite = try BenchNode("bench-b", workspace: workspace, copy: database.copy)
    let hub = try BenchNode(
      "bench-hub", workspace: workspace, copy: database.copy,
      initOptions: ["--store", database.url("hub_sync")])
    log("B12: writing \(count) leads on bench-a, one per change ...")
    try a.writeLeads(count)
    let (serving, port) = try await a.serve()
    defer { serving.stopServing() }
    log(
      "B12: syncing them to an empty node on SQLite, then to an empty \(database.described.dropFirst(2)) ...")
    let onSQLite = try sqlite.sync(with: "bench-a", port: port)
    let onHub = try hub.sync(with: "bench-a", port: port)
    // The hub also receives bench-b's first change, which bench-a took from it meanwhile.
    let (sqliteHeld, hubHeld) = (try sqlite.changeCount(), try hub.changeCount())
    guard sqliteHeld >= count, hubHeld >= count + 1 else {
      throw BenchError("B12: bench-b holds \(sqliteHeld) changes and the hub \(hubHeld) of \(count)")
    }
    return BenchRow(
      scenario: "B1 \(database.scenario)", ours: Double(hubHeld) / onHub.wall,
      reference: Double(sqliteHeld) / onSQLite.wall,
      unit: "/s", referenceName: "the same sync into a node on SQLite", goal: 0.8,
      note:
        "\(count) one-lead changes from bench-a by 'liandong sync' (wall time): into \(database.described) "
        + String(format: "%.1f s, into a node on SQLite %.1f s", onHub.wall, onSQLite.wall))
  }

  /// B2's import of leads from a CSV file: on a node on SQLite, then on a hub.
  private func importLeads(_ database: Database) throws -> BenchRow {
    let count = max(100, Int(200_000 * scale))
    try database.create("hub_import")
    let sqlite = try BenchNode("bench-c", workspace: workspace, copy: database.copy)
    let hub = try BenchNode(
      "bench-hub", workspace: workspace, copy: database.copy + 1,
      initOptions: ["--store", database.url("hub_import")])
    let csv = try SyncScenarios.writeB2Leads(
      count, to: workspace.directory.appendingPathComponent("b12-leads.csv"))
    func seconds(_ node: BenchNode) throws -> Double {
      try secondsTaken { try node.cli(["lead", "import", csv.path, "--to", "all", "--json"]) }
    }
    log("B12: importing \(count) leads on a node on SQLite, then on \(database.described) ...")
    let onSQLite = try seconds(sqlite)
    let onHub = try seconds(hub)
    return BenchRow(
      scenario: "B2 \(database.scenario)", ours: Double(count) / onHub, reference: Double(count) / onSQLite,
      unit: "/s",
      referenceName: "the same import on a node on SQLite", goal: 0.8,
      note:
        "\(count) leads by 'liandong lead import': on \(database.described) "
        + String(format: "%.1f s, on SQLite %.1f s", onHub, onSQLite))
  }
}
