import Dispatch
import Foundation
import LiandongTesting
import Synchronization
import Testing

@testable import LiandongStore

extension PostgresStoreTests {
  @Test(
    "a process holds at most its limit of connections: others wait their turn, a thread that holds one is served again at once"
  )
  func connectionsBounded() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let pool = PostgresPool(url: server.url(database: "hub"), limit: 2, patienceSeconds: 60)
    let holding = Mutex((now: 0, most: 0))
    let failures = Mutex<[String]>([])
    await onThreads(6) { _ in
      do {
        try pool.withConnection { connection in
          holding.withLock {
            $0.now += 1
            $0.most = max($0.most, $0.now)
          }
          defer { holding.withLock { $0.now -= 1 } }
          try connection.execute("SELECT pg_sleep(0.2)")
          // A read inside a write's closure, on the same thread, while both turns are taken.
          try pool.withConnection { try $0.execute("SELECT 1") }
        }
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    #expect(failures.withLock { $0 } == [])
    #expect(holding.withLock { $0.most } == 2)
  }

  @Test("a caller that waits longer than the pool's patience is told so, with what to do; the next is served")
  func busyConnectionsSaidSo() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let pool = PostgresPool(url: server.url(database: "hub"), limit: 1, patienceSeconds: 0.3)
    let holds = DispatchSemaphore(value: 0)
    let waited = Mutex<(code: String?, message: String)>((nil, ""))
    await onThreads(2) { index in
      if index == 0 {
        try? pool.withConnection { connection in
          holds.signal()
          _ = try? connection.execute("SELECT pg_sleep(1.5)")
        }
      } else {
        holds.wait()
        do {
          try pool.withConnection { try $0.execute("SELECT 1") }
        } catch let error as PostgresError {
          waited.withLock { $0 = (error.code, error.description) }
        } catch {}
      }
    }
    let (code, message) = waited.withLock { $0 }
    #expect(code == "store.postgres-connections-busy")
    #expect(message.contains("all 1 of this process's connections"), "\(message)")
    #expect(PostgresError.allConnectionsBusy(limit: 1, seconds: 0.3).category == .unavailable)
    #expect(try pool.withConnection { try $0.execute("SELECT 1 AS one").first?.integer("one") } == 1)
  }

  @Test("a hub's connection never compiles a query (JIT), whatever the query's estimated cost")
  func noJustInTimeCompiling() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let connection = try PostgresConnection(server.url(database: "hub"))
    // Another client of the same server would have it compiled.
    try #require(
      try server.psql("SELECT pg_jit_available()", database: "hub") == "t", "this PostgreSQL compiles queries"
    )
    try connection.execute("SET jit_above_cost = 0")
    let plan = try connection.execute("EXPLAIN (ANALYZE) SELECT sum(n) FROM generate_series(1, 1000) AS n")
      .compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
    #expect(!plan.contains("JIT"), "\(plan)")
  }

  /// Runs `body` on `count` threads of their own at once (the pool blocks its callers, as the
  /// store's callers block), each told its index; returns when all have ended. Not
  /// `concurrentPerform`, which runs no more at once than the machine has cores: the bound under
  /// test would never be reached.
  private func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    let group = DispatchGroup()
    for index in 0..<count {
      group.enter()
      Thread.detachNewThread {
        body(index)
        group.leave()
      }
    }
    await withCheckedContinuation { ended in group.notify(queue: .global()) { ended.resume() } }
  }
}
