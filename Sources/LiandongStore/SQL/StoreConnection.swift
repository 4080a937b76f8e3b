import Foundation
import GRDB
import LiandongCore

/// A connection of either engine, as the change log's writes and the projections use it (in a
/// write transaction, or a read of the log's tables): the same statements, in the SQL both
/// engines speak, for a node on SQLite and a hub on PostgreSQL. On SQLite each value is bound straight to the cached statement
/// (`DirectStatement.swift`: going through arrays of boxed values was a tenth of a bulk import);
/// on PostgreSQL the values go to libpq as `SQLValue`s.
enum StoreConnection {
  case sqlite(Database)
  case postgres(PostgresConnection)

  /// The same connection as the roles written for both engines over `SQLConnection` take it.
  var sql: any SQLConnection {
    switch self {
    case .sqlite(let db): SQLiteConnection(db: db)
    case .postgres(let connection): connection
    }
  }

  /// Runs one statement that returns no rows. On PostgreSQL, in a transaction, it is pipelined:
  /// a failure is reported by a later statement of the transaction, or its commit.
  func run<each Value: SQLBindable>(_ sql: String, _ values: repeat each Value) throws {
    switch self {
    case .sqlite(let db): try db.run(sql, repeat each values)
    case .postgres(let connection): try connection.send(sql, Self.values(repeat each values))
    }
  }

  /// Inserts one row with `inserts.one`; on PostgreSQL, in a transaction, sent with the rows
  /// inserted the same way after it, many to a statement (`PostgresConnection.coalesce`).
  func insertRow<each Value: SQLBindable>(_ inserts: RowInserts, _ values: repeat each Value) throws {
    switch self {
    case .sqlite(let db): try db.run(inserts.one, repeat each values)
    case .postgres(let connection): try connection.coalesce(inserts, Self.values(repeat each values))
    }
  }

  /// Runs one query; its rows, copied, read by column name.
  func rows<each Value: SQLBindable>(_ sql: String, _ values: repeat each Value) throws -> [SQLRow] {
    let bound = Self.values(repeat each values)
    switch self {
    case .sqlite(let db): return try SQLiteConnection(db: db).rows(sql, bound)
    case .postgres(let connection): return try connection.rows(sql, bound)
    }
  }

  /// `rows` for a statement whose placeholders take one list of values, such as an `IN (...)`
  /// or a page's filters. PostgreSQL plans it for these values each time (`plannedEachTime`).
  func rows(_ sql: String, binding values: [some SQLBindable]) throws -> [SQLRow] {
    let bound = values.map(\.sqlValue)
    switch self {
    case .sqlite(let db): return try SQLiteConnection(db: db).rows(sql, bound)
    case .postgres(let connection): return try connection.plannedEachTime(sql, bound)
    }
  }

  /// The rows `query` returns for `keys`, asked at most 500 to a statement: `query` is handed
  /// the placeholders of one group (`?,?,…`, the group padded as `LeadRelations.padded` pads,
  /// so that few lengths of statement are kept), and the groups' rows follow in their order.
  /// On a hub each group is a round trip; one per key made a bulk import wait on each row.
  func rows(ofKeys keys: [String], _ query: (_ placeholders: String) -> String) throws -> [SQLRow] {
    try stride(from: 0, to: keys.count, by: 500).flatMap { start in
      let group = LeadRelations.padded(Array(keys[start..<min(start + 500, keys.count)]))
      return try rows(query(LeadRelations.marks(group.count)), binding: group)
    }
  }

  /// The query's first row, if any.
  func firstRow<each Value: SQLBindable>(_ sql: String, _ values: repeat each Value) throws -> SQLRow? {
    try rows(sql, repeat each values).first
  }

  /// Whether the query returns a row.
  func exists<each Value: SQLBindable>(_ sql: String, _ values: repeat each Value) throws -> Bool {
    try firstRow(sql, repeat each values) != nil
  }

  /// Runs one query and hands each result row to `row`, read by column position; on SQLite
  /// while the row is current, without copying it.
  func forEachRow<each Value: SQLBindable>(
    _ sql: String, _ values: repeat each Value, row: (StoreRow) throws -> Void
  ) throws {
    switch self {
    case .sqlite(let db): try db.forEachRow(sql, repeat each values) { try row(.sqlite($0)) }
    case .postgres(let connection):
      for found in try connection.rows(sql, Self.values(repeat each values)) { try row(.copied(found)) }
    }
  }

  /// `forEachRow` for a statement whose placeholders take one list of values.
  func forEachRow<Value: SQLBindable>(
    _ sql: String, binding values: [Value], row: (StoreRow) throws -> Void
  ) throws {
    switch self {
    case .sqlite(let db): try db.forEachRow(sql, binding: values) { try row(.sqlite($0)) }
    case .postgres(let connection):
      for found in try connection.plannedEachTime(sql, values.map(\.sqlValue)) { try row(.copied(found)) }
    }
  }

  /// Inserts `rows` with `statements`: `rowsPerStatement` rows to a statement, then the rest one
  /// by one (pipelined on PostgreSQL, as `run`). `bind` fills one row's placeholders.
  func insert<Row>(
    _ rows: [Row], with statements: RowInserts, bind: (Row, inout StorePlaceholders) throws -> Void
  ) throws {
    switch self {
    case .sqlite(let db):
      try db.insert(rows, with: statements) { row, placeholders in
        var wrapped = StorePlaceholders(sqlite: placeholders)
        // Also when `bind` throws: the texts it bound are released from `placeholders`.
        defer { placeholders = wrapped.sqlite! }
        try bind(row, &wrapped)
      }
    case .postgres(let connection):
      let width = statements.rowsPerStatement
      var start = rows.startIndex
      while start < rows.endIndex {
        let many = rows.endIndex - start >= width
        let end = many ? start + width : start + 1
        var placeholders = StorePlaceholders(sqlite: nil)
        for row in rows[start..<end] { try bind(row, &placeholders) }
        try connection.send(many ? statements.many : statements.one, placeholders.values)
        start = end
      }
    }
  }

  /// Holds the fold to this transaction until it ends: on PostgreSQL, where other processes may
  /// be folding the same objects (`PostgresLocks`); SQLite's one writer holds it already.
  func holdFold() throws {
    guard case .postgres(let connection) = self else { return }
    try PostgresLocks.take([PostgresLocks.fold], on: connection)
  }

  /// Holds every origin's chain to this transaction until it ends, reads going on: for what may
  /// move any chain (a change of revocations puts fork choices in or out of force). SQLite's one
  /// writer holds it already.
  func holdWholeLog() throws {
    guard case .postgres(let connection) = self else { return }
    try connection.rows("LOCK TABLE changes IN EXCLUSIVE MODE", [])
  }

  /// Marks `change` as entering the log's order of arrival in this transaction: stored, or its
  /// body filled in. PostgreSQL numbers it as the transaction commits (`PostgresLogOrder.swift`);
  /// SQLite's `rowid` is that order already.
  func enteredLog(_ change: ChangeID) {
    if case .postgres(let connection) = self { connection.enteredLog(change.bytes) }
  }

  /// The next position in the log's order (`changes.rowid`), for a change whose content is new
  /// here although its row is not. PostgreSQL takes it from the column's own sequence, so that
  /// processes writing at once never take the same.
  var nextLogPosition: String {
    switch self {
    case .sqlite: "(SELECT max(rowid) + 1 FROM changes)"
    case .postgres: "nextval(pg_get_serial_sequence('changes', 'rowid'))"
    }
  }

  private static func values<each Value: SQLBindable>(_ values: repeat each Value) -> [SQLValue] {
    var bound: [SQLValue] = []
    for value in repeat each values { bound.append(value.sqlValue) }
    return bound
  }
}

/// A value either engine binds: through GRDB's own binding on SQLite, as an `SQLValue` on
/// PostgreSQL. Booleans are the integers 1 and 0 in both, as SQLite keeps them.
protocol SQLBindable: DatabaseValueConvertible {
  var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension UInt32: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLBindable { var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .bytes(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
  var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A statement's placeholders as `StoreConnection.insert` fills them, in order.
struct StorePlaceholders {
  fileprivate var sqlite: Placeholders?
  fileprivate private(set) var values: [SQLValue] = []

  fileprivate init(sqlite: Placeholders?) { self.sqlite = sqlite }

  mutating func bind(_ value: some SQLBindable) throws {
    if sqlite != nil { try sqlite!.bind(value) } else { values.append(value.sqlValue) }
  }
}

/// A result row of `StoreConnection.forEachRow`, read by column position.
enum StoreRow {
  case sqlite(ResultRow)
  case copied(SQLRow)

  func int64(_ column: Int32) -> Int64 {
    switch self {
    case .sqlite(let row): row.int64(column)
    case .copied(let row):
      if case .integer(let number) = row.values[Int(column)] { number } else { 0 }
    }
  }

  /// A TEXT column's text; empty for NULL.
  func string(_ column: Int32) -> String {
    switch self {
    case .sqlite(let row):
      if case .text(let bytes) = row.value(column) { String(decoding: bytes, as: UTF8.self) } else { "" }
    case .copied(let row):
      if case .text(let text) = row.values[Int(column)] { text } else { "" }
    }
  }

  /// A BLOB column's bytes; empty for NULL.
  func data(_ column: Int32) -> Data {
    switch self {
    case .sqlite(let row): row.data(column)
    case .copied(let row):
      if case .bytes(let data) = row.values[Int(column)] { data } else { Data() }
    }
  }
}
