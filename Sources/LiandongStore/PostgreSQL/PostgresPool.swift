import Synchronization

/// Connections to one database, opened as callers need them and kept for the next; each is used
/// by one caller at a time. A kept connection the server closed meanwhile is dropped, not used.
final class PostgresPool: Sendable {
  let url: String
  private let idle = Mutex<[PostgresConnection]>([])
  private let keep: Int

  init(url: String, keep: Int = 8) {
    self.url = url
    self.keep = keep
  }

  @discardableResult
  func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
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
