import Foundation
import LiandongCore
import LiandongTesting
import Synchronization
import Testing

@testable import LiandongStore

/// Invariant 1 of DESIGN.md with a hub among the nodes: the convergence property
/// (`ConvergenceTests`) with its first node's store on PostgreSQL (a real server, started here).
/// Its projections must equal those of the SQLite nodes holding the same changes, and of a
/// SQLite replica fed its changes in another order.
@Suite("Convergence with a node on PostgreSQL (a real server)", .serialized)
struct PostgresConvergenceTests {
  @Test(
    "random operations, random delivery order with duplicates, 3-7 nodes, the first on PostgreSQL",
    arguments: ConvergenceTests.seeds.prefix(4))
  func converge(seed: UInt64) async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    let made = Mutex(0)
    let hub: (NodeID) throws -> any NodeStorage = { node in
      let name = "hub\(made.withLock { $0 += 1; return $0 })"
      try server.createDatabase(name)
      return try PostgresStore(url: server.url(database: name), node: node)
    }
    try ConvergenceTests.converge(seed: seed, storage: { $0 == 0 ? hub : nil })
    #expect(made.withLock { $0 } == 1, "the first node ran on PostgreSQL")
  }
}
