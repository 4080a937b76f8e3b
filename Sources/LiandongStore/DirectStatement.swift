import Foundation
import GRDB
import GRDBSQLite

/// The statements that every stored change runs (the change log, the operation index, the
/// projections) bind their values straight to SQLite and step it themselves. Going through GRDB's
/// `StatementArguments` boxed every value into an array of `DatabaseValue`s and walked it again to
/// bind it: about a tenth of a bulk import, and as much again around each step (BENCHMARKS.md).
/// Values are bound by GRDB's own `StatementBinding` conformances, so a row reads back exactly as
/// one written through GRDB. Statements still come from GRDB's per-connection cache, and run only
/// inside the transactions GRDB opens.
extension Database {
  /// Runs one statement that returns no rows, prepared once per connection.
  func run<each Value: StatementBinding>(_ sql: String, _ values: repeat each Value) throws {
    try cachedStatement(sql: sql).stepDirectly(sql, self) { placeholders in
      for value in repeat each values { try placeholders.bind(value) }
    }
  }

  /// Runs one statement that returns no rows, whose placeholders `bind` fills in order: for a
  /// statement of many rows, such as `INSERT ... VALUES (?, ?), (?, ?), ...`.
  func run(_ sql: String, binding bind: (inout Placeholders) throws -> Void) throws {
    try cachedStatement(sql: sql).stepDirectly(sql, self, bind: bind)
  }

  /// Runs one query and hands each result row to `row` while it is current. A `ResultRow` is
  /// valid only inside that call.
  func forEachRow<each Value: StatementBinding>(
    _ sql: String, _ values: repeat each Value, row: (ResultRow) throws -> Void
  ) throws {
    try cachedStatement(sql: sql).stepDirectly(sql, self, row: row) { placeholders in
      for value in repeat each values { try placeholders.bind(value) }
    }
  }

  /// `forEachRow` for a statement whose placeholders take one list of values of a type, such
  /// as the `?`s of an `IN (...)`: as many values as placeholders.
  func forEachRow<Value: StatementBinding>(
    _ sql: String, binding values: [Value], row: (ResultRow) throws -> Void
  ) throws {
    try cachedStatement(sql: sql).stepDirectly(sql, self, row: row) { placeholders in
      for value in values { try placeholders.bind(value) }
    }
  }
}

extension Database {
  /// Inserts `rows` with `statements`: `rowsPerStatement` rows to a statement, and the rest one
  /// by one. `bind` fills one row's placeholders.
  func insert<Row>(
    _ rows: [Row], with statements: RowInserts, bind: (Row, inout Placeholders) throws -> Void
  ) throws {
    let width = statements.rowsPerStatement
    var start = rows.startIndex
    while rows.endIndex - start >= width {
      try run(statements.sqliteMany) { placeholders in
        for row in rows[start..<start + width] { try bind(row, &placeholders) }
      }
      start += width
    }
    for row in rows[start...] { try run(statements.one) { try bind(row, &$0) } }
  }
}

/// A table's insert statements, for one row and for `rowsPerStatement` rows. Each statement run
/// (bind, step, halt, reset) cost about as much as the row it inserted, so the rows a bulk
/// import or sync writes by the hundred thousand go many to a statement.
struct RowInserts {
  let rowsPerStatement: Int
  let one: String
  let many: String
  /// `many` as SQLite runs it: `INSERT OR FAIL`. Before it changes a page that its transaction
  /// had already changed, a statement of several rows that may abort halfway has SQLite copy the
  /// page to a statement journal (a temporary file), to be able to undo that statement alone.
  /// With random object IDs that was most of a transaction's pages, again for every statement
  /// (BENCHMARKS.md, "Statement journals"). `FAIL` keeps the rows before the one that breaks a
  /// constraint, so SQLite copies nothing; no statement here is ever undone alone, since an
  /// error rolls back the whole transaction.
  let sqliteMany: String

  /// `onConflict` follows `ON CONFLICT` (PostgreSQL's and SQLite's upsert), as `orIgnore` does
  /// with `DO NOTHING`.
  init(
    _ table: String, orIgnore: Bool = false, rowsPerStatement: Int, columns: [String],
    onConflict: String? = nil
  ) {
    self.rowsPerStatement = rowsPerStatement
    let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
    let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    // `ON CONFLICT DO NOTHING`, not SQLite's `OR IGNORE`: PostgreSQL runs the same statements.
    let tail = onConflict.map { " ON CONFLICT \($0)" } ?? (orIgnore ? " ON CONFLICT DO NOTHING" : "")
    one = head + row + tail
    many = head + Array(repeating: row, count: rowsPerStatement).joined(separator: ", ") + tail
    sqliteMany = "INSERT OR FAIL" + many.dropFirst("INSERT".count)
  }
}

/// A statement's placeholders, filled in order by `bind`.
struct Placeholders {
  fileprivate let handle: SQLiteStatement
  fileprivate let sql: String
  fileprivate let db: Database
  fileprivate var texts: BoundTexts
  /// How many are bound so far.
  fileprivate private(set) var count: Int32 = 0

  /// Binds `value` to the next placeholder.
  mutating func bind(_ value: some StatementBinding) throws {
    count += 1
    // Specialized per type, so the cast costs nothing.
    let code =
      if let text = value as? String { texts.bind(text, to: handle, at: count) } else {
        value.bind(to: handle, at: count)
      }
    guard code == SQLITE_OK else { throw Statement.failure(code, sql, db) }
  }
}

/// The texts bound to one run of a statement, copied side by side into space that outlives the
/// run, so that SQLite reads each in place (`SQLITE_STATIC`). GRDB's binding has SQLite allocate
/// and copy every text it binds; a bulk import or sync binds about twenty-five a lead.
struct BoundTexts {
  private let space: UnsafeMutableRawBufferPointer
  private var used = 0
  /// Texts that did not fit in `space`, each in its own allocation until `release`.
  private var spilled: [UnsafeMutableRawPointer] = []

  /// `space` must hold at least one byte and outlive the statement's run.
  fileprivate init(space: UnsafeMutableRawBufferPointer) {
    precondition(space.count > 0)
    self.space = space
  }

  /// Binds `text` as GRDB does (up to its first NUL, so that a row reads back the same by
  /// either path), from a copy held until the run ends.
  fileprivate mutating func bind(_ text: String, to handle: SQLiteStatement, at index: Int32) -> Int32 {
    var text = text
    return text.withUTF8 { utf8 in
      var length = utf8.count
      if let start = utf8.baseAddress, let nul = memchr(start, 0, length) {
        length = UnsafeRawPointer(nul) - UnsafeRawPointer(start)
      }
      let copy = hold(UnsafeRawBufferPointer(start: utf8.baseAddress, count: length))
      // A nil destructor is SQLITE_STATIC: SQLite keeps the pointer and copies nothing.
      return sqlite3_bind_text(handle, index, copy.assumingMemoryBound(to: CChar.self), Int32(length), nil)
    }
  }

  /// A copy of `bytes` that lives until `release`; never nil, even for no bytes (SQLite binds
  /// a nil text as NULL).
  private mutating func hold(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
    if bytes.count <= space.count - used {
      let start = space.baseAddress! + used
      if bytes.count > 0 { start.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
      used += bytes.count
      return start
    }
    let start = malloc(bytes.count)!
    start.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    spilled.append(start)
    return start
  }

  /// Frees the spilled texts; only once the statement holds none of them.
  fileprivate func release() { for start in spilled { free(start) } }
}

/// The current row of a query run by `Database.forEachRow`, read by column position.
struct ResultRow {
  fileprivate let handle: SQLiteStatement

  func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

  var columnCount: Int32 { sqlite3_column_count(handle) }

  /// A column's name.
  func columnName(_ column: Int32) -> String { String(cString: sqlite3_column_name(handle, column)) }

  /// A column's value as SQLite holds it, its bytes valid while the row is current. Text ends at
  /// its first NUL, as GRDB reads it.
  func value(_ column: Int32) -> ColumnValue {
    switch sqlite3_column_type(handle, column) {
    case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
    case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
    case SQLITE_TEXT:
      guard let text = sqlite3_column_text(handle, column) else {
        return .text(UnsafeRawBufferPointer(start: nil, count: 0))
      }
      return .text(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    case SQLITE_BLOB:
      let start = sqlite3_column_blob(handle, column)
      return .blob(
        UnsafeRawBufferPointer(
          start: start, count: start == nil ? 0 : Int(sqlite3_column_bytes(handle, column))))
    default: return .null
    }
  }

  /// A TEXT column's bytes to the end SQLite holds, past any NUL (`value` ends at the first).
  func wholeText(_ column: Int32) -> UnsafeRawBufferPointer {
    // The pointer first, then the size, as SQLite asks.
    guard let text = sqlite3_column_text(handle, column) else {
      return UnsafeRawBufferPointer(start: nil, count: 0)
    }
    return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
  }

  enum ColumnValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)
  }

  /// A BLOB column's bytes, copied; empty for NULL or an empty blob.
  func data(_ column: Int32) -> Data {
    // The pointer first, then the size, as SQLite asks.
    guard let start = sqlite3_column_blob(handle, column) else { return Data() }
    return Data(bytes: start, count: Int(sqlite3_column_bytes(handle, column)))
  }
}

extension Statement {
  /// Binds the statement's placeholders through `bind`, steps it to its end handing each result
  /// row to `row`, and leaves it reset with no bindings, whether it succeeded or failed, so that
  /// the cached statement is clean for its next use, by this path or by GRDB's. Refuses to step
  /// unless `bind` filled every placeholder.
  fileprivate func stepDirectly(
    _ sql: String, _ db: Database, row: (ResultRow) throws -> Void = { _ in },
    bind: (inout Placeholders) throws -> Void
  ) throws {
    let handle = sqliteStatement
    // Room for the texts of a statement of many rows (`RowInserts`); longer ones spill.
    try withUnsafeTemporaryAllocation(byteCount: 16 << 10, alignment: 1) { space in
      var placeholders = Placeholders(handle: handle, sql: sql, db: db, texts: BoundTexts(space: space))
      // Reset and unbound before the texts' space goes: SQLite holds pointers into it.
      defer {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        placeholders.texts.release()
      }
      try bind(&placeholders)
      guard placeholders.count == sqlite3_bind_parameter_count(handle) else {
        throw DatabaseError(
          resultCode: .SQLITE_MISUSE,
          message: "\(placeholders.count) values for \(sqlite3_bind_parameter_count(handle)) placeholders",
          sql: sql)
      }
      while true {
        switch sqlite3_step(handle) {
        case SQLITE_DONE: return
        case SQLITE_ROW: try row(ResultRow(handle: handle))
        case let code: throw Self.failure(code, sql, db)
        }
      }
    }
  }

  /// SQLite's own code and message, read before the statement is reset.
  fileprivate static func failure(_ code: Int32, _ sql: String, _ db: Database) -> DatabaseError {
    DatabaseError(
      resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
      sql: sql)
  }
}
