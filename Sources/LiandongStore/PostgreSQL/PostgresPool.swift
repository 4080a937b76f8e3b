import Dispatch
import Foundation
import Synchronization

/// Connections to one database, opened as callers need them and kept for the next; each is used
/// by one caller at a time. A kept connection the server closed meanwhile is dropped, not used.
///
/// At most `limit` callers hold one at once; others wait their turn, at most `patienceSeconds`.
/// Several `serve` processes share one server, whose `max_connections` (100 by default) every
/// connection counts against: beyond it PostgreSQL refuses a new one outright, which would fail a
/// request that waiting a moment would have served.
final class PostgresPool: Sendable {
  let url: String
  let limit: Int
  private let idle = Mutex<[PostgresConnection]>([])
  private let keep: Int
  private let patienceSeconds: Double
  private let turns: DispatchSemaphore
  /// The threads that hold a connection, with how many each: a thread asking again while it
  /// holds one (a read inside a write's closure) is served at once, lest it wait on itself.
  private let holders = Mutex<[pthread_t: Int]>([:])

  init(
    url: String, limit: Int, keep: Int = 8, patienceSeconds: Double = 30
  ) {
    self.url = url
    self.limit = max(1, limit)
    self.keep = min(keep, self.limit)
    self.patienceSeconds = patienceSeconds
    turns = DispatchSemaphore(value: self.limit)
  }

  @discardableResult
  func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
    let thread = pthread_self()
    let nested = holders.withLock { $0[thread, default: 0] > 0 }
    if !nested, turns.wait(timeout: .now() + patienceSeconds) == .timedOut {
      throw PostgresError.allConnectionsBusy(limit: limit, seconds: patienceSeconds)
    }
    holders.withLock { $0[thread, default: 0] += 1 }
    defer {
      holders.withLock { held in
        let count = held[thread, default: 1]
        held[thread] = count > 1 ? count - 1 : nil
      }
      if !nested { turns.signal() }
    }
    let (kept, reused) = try take()
    do {
      return try use(kept, body)
    } catch let error as PostgresError where reused && kept.statementsRun <= 1 && error.code == Self.lost {
      // The server ended the kept connection just now (a restart, a failover) and its first
      // statement (a read, or a transaction's BEGIN) did nothing: once more on a new one.
      return try use(try PostgresConnection(url), body)
    }
  }

  private static let lost = PostgresError.unreachable(target: "", reason: "").code

  private func use<T>(_ connection: PostgresConnection, _ body: (PostgresConnection) throws -> T) throws -> T
  {
    connection.statementsRun = 0
    defer {
      if connection.isReusable { idle.withLock { if $0.count < keep { $0.append(connection) } } }
    }
    return try body(connection)
  }

  @discardableResult
  func transaction<T>(beginning begin: String = "BEGIN", _ body: (PostgresConnection) throws -> T) throws -> T
  {
    try withConnection { try $0.transaction(beginning: begin, body) }
  }

  private func take() throws -> (PostgresConnection, reused: Bool) {
    while let kept = idle.withLock({ $0.popLast() }) {
      if kept.survivedIdling { return (kept, true) }
    }
    return (try PostgresConnection(url), false)
  }
}
