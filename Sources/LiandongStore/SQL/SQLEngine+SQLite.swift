import GRDB

/// The SQLite store's connection as a role written for both engines sees it.
struct SQLiteConnection: SQLConnection {
  let db: Database

  func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
    let statement = try db.cachedStatement(sql: sql)
    let bound = StatementArguments(arguments.map(Self.databaseValue))
    var columns: SQLRow.Columns? = nil
    return try Row.fetchAll(statement, arguments: bound).map { row in
      let names = columns ?? SQLRow.Columns(Array(row.columnNames))
      columns = names
      return SQLRow(columns: names, values: row.databaseValues.map(Self.value))
    }
  }

  private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
    switch value {
    case .null: .null
    case .integer(let number): number.databaseValue
    case .real(let number): number.databaseValue
    case .text(let text): text.databaseValue
    case .bytes(let data): data.databaseValue
    }
  }

  private static func value(_ value: DatabaseValue) -> SQLValue {
    switch value.storage {
    case .null: .null
    case .int64(let number): .integer(number)
    case .double(let number): .real(number)
    case .string(let text): .text(text)
    case .blob(let data): .bytes(data)
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
}

extension NodeStore: SQLBackedStore {
  public var sqlEngine: SealedSQLEngine { SealedSQLEngine(engine: SQLiteEngine(store: self)) }
}
