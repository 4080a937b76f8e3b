import Foundation
import GRDB

/// The SQLite store's connection as a role written for both engines sees it.
struct SQLiteConnection: SQLConnection {
  let db: Database

  /// Read straight from SQLite's columns (`DirectStatement.swift`), without GRDB's rows between.
  func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
    var columns: SQLRow.Columns? = nil
    var rows: [SQLRow] = []
    try db.forEachRow(sql, binding: arguments) { row in
      let count = row.columnCount
      let names = columns ?? SQLRow.Columns((0..<count).map(row.columnName))
      columns = names
      rows.append(SQLRow(columns: names, values: (0..<count).map { Self.value(of: $0, in: row) }))
    }
    return rows
  }

  /// Text that is not valid UTF-8, or that holds a NUL, is kept as its bytes: what a column holds
  /// must read back whole (a change body damaged by an SQL edit is stored as text, and `verify` must see
  /// every byte of it).
  private static func value(of column: Int32, in row: ResultRow) -> SQLValue {
    switch row.value(column) {
    case .null: return .null
    case .integer(let number): return .integer(number)
    case .real(let number): return .real(number)
    case .text(let upToNUL):
      let whole = row.wholeText(column)
      guard whole.count == upToNUL.count, let text = String(validating: whole, as: UTF8.self) else {
        return .bytes(Data(whole))
      }
      return .text(text)
    case .blob(let bytes): return .bytes(Data(bytes))
    }
  }
}

/// Reads and write transactions of the SQLite store, for the roles written for both engines.
struct SQLiteEngine: SQLEngine {
  let store: NodeStore

  func reading<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try store.read { try body(SQLiteConnection(db: $0)) }
  }

  func writing<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try store.writeTransaction { try body(SQLiteConnection(db: $0)) }
  }

  func snapshot<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try store.read { try body(.sqlite($0)) }
  }

  func writingStore<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try store.writeTransaction { try body(.sqlite($0)) }
  }
}

extension NodeStore: SQLBackedStore {
  public var sqlEngine: SealedSQLEngine { SealedSQLEngine(engine: SQLiteEngine(store: self)) }
}

/// A value of either engine is bound to SQLite as GRDB binds its own.
extension SQLValue: DatabaseValueConvertible, SQLBindable {
  var sqlValue: SQLValue { self }

  var databaseValue: DatabaseValue {
    switch self {
    case .null: .null
    case .integer(let number): number.databaseValue
    case .real(let number): number.databaseValue
    case .text(let text): text.databaseValue
    case .bytes(let data): data.databaseValue
    }
  }

  static func fromDatabaseValue(_ value: DatabaseValue) -> SQLValue? {
    switch value.storage {
    case .null: .null
    case .int64(let number): .integer(number)
    case .double(let number): .real(number)
    case .string(let text): .text(text)
    case .blob(let data): .bytes(data)
    }
  }
}
