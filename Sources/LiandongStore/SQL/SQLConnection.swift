/// A connection to either engine, as a role written once for both uses it: statements with `?`
/// placeholders in the SQL both SQLite and PostgreSQL speak (`ON CONFLICT`, `RETURNING`, no
/// engine's date functions: times are ISO 8601 text, and "now" is a parameter).
protocol SQLConnection {
  /// Runs one statement; the rows it returns (`RETURNING` rows for a write).
  @discardableResult
  func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

/// A store that runs a role's statements: reads on a consistent view, writes in one durable
/// transaction. The SQLite store and the PostgreSQL store are both.
protocol SQLEngine: Sendable {
  func reading<T>(_ body: (any SQLConnection) throws -> T) throws -> T
  func writing<T>(_ body: (any SQLConnection) throws -> T) throws -> T
  /// Runs `body` on one consistent view of the whole store, as the read models read it: a read
  /// transaction on SQLite, a read-only repeatable-read transaction on PostgreSQL (a lead and its
  /// relations are read by several statements, none of which may see a later commit).
  func snapshot<T>(_ body: (StoreConnection) throws -> T) throws -> T
  /// Runs `body` in one write transaction, durable when it returns.
  func writingStore<T>(_ body: (StoreConnection) throws -> T) throws -> T
}

/// A store whose roles are written once, in SQL both engines speak (`AccountDirectory.swift`).
/// Its engine is sealed: outside this module nothing can run a statement through it, so nothing
/// above the store names SQL.
public protocol SQLBackedStore: Sendable {
  var sqlEngine: SealedSQLEngine { get }
}

public struct SealedSQLEngine: Sendable {
  let engine: any SQLEngine
}

extension SQLBackedStore {
  func reading<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try sqlEngine.engine.reading(body) }
  @discardableResult
  func writing<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try sqlEngine.engine.writing(body) }
  func snapshot<T>(_ body: (StoreConnection) throws -> T) throws -> T { try sqlEngine.engine.snapshot(body) }
  @discardableResult
  func writingStore<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try sqlEngine.engine.writingStore(body)
  }
}
