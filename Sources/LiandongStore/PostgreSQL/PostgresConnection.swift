import CLibPQ
import Foundation
import LiandongCrypto

/// One connection to a hub's PostgreSQL, through PostgreSQL's own client library (libpq, which
/// makes its TLS connections with the system OpenSSL). Blocking, like the SQLite store's calls:
/// the store runs on threads of its own, never on the threads async tasks share. Never used by
/// two threads at once: `PostgresPool` hands each caller its own.
final class PostgresConnection: SQLConnection, @unchecked Sendable {
  /// libpq's connection; `PostgresConnection+Pipeline.swift` sends on it too.
  let handle: OpaquePointer
  /// Statements sent since the pool handed the connection out.
  var statementsRun = 0
  /// Whether a transaction (`transaction`) is open: only then are writes pipelined.
  private(set) var inTransaction = false
  /// Writes sent in pipeline mode whose results have not been read yet.
  var pipelined = 0
  /// Rows `coalesce` holds back to send many to a statement.
  var heldRows: HeldRows?
  /// The changes this transaction stored, to number in the log's order at commit
  /// (`PostgresLogOrder.swift`).
  var changesEntered: [Data] = []
  /// Host, port and database, never the password: what messages name.
  let target: String

  /// Connects with a `postgresql://` URL or a libpq connection string. The database must be
  /// UTF-8, which Chinese names and their search depend on.
  init(_ url: String) throws(PostgresError) {
    guard let handle = PQconnectdb(url) else {
      throw .unreachable(target: "PostgreSQL", reason: "libpq could not allocate a connection")
    }
    target = Self.target(of: handle)
    guard PQstatus(handle) == CONNECTION_OK else {
      let error = PostgresError.connecting(target: target, libpqMessage: Self.message(handle))
      PQfinish(handle)
      throw error
    }
    self.handle = handle
    // Notices ("relation already exists, skipping") are not for a person at a terminal.
    PQsetNoticeProcessor(handle, { _, _ in }, nil)
    let encoding = PQparameterStatus(handle, "server_encoding").map { String(cString: $0) } ?? "unknown"
    guard encoding == "UTF8" else { throw .notUTF8(target: target, found: "encoding \(encoding)") }
    // The character type (`lc_ctype`) may be anything, `C` included: the search folds text in
    // collation C and makes its keys from code points (`SearchKeys`), which no character type
    // changes. Up to v14 it searched through pg_trgm, which finds no trigrams in Chinese text
    // under the C character type; no hub holding rows is older than v15 once this program
    // opens it.
    _ = try execute("SET synchronous_commit = on")
    // The planner compiles a query whose estimated cost passes `jit_above_cost`, which a page's
    // query over millions of rows does even when its LIMIT stops it after a few, and the
    // compiling then costs more than the answer (BENCHMARKS.md, B13). A hub's statements are
    // all short.
    _ = try execute("SET jit = off")
  }

  deinit { PQfinish(handle) }

  /// Runs one statement with `$1`, `$2`, … bound to `parameters`; the rows it returns.
  @discardableResult
  func execute(_ sql: String, _ parameters: [SQLValue] = []) throws(PostgresError) -> [SQLRow] {
    try sendHeldRows()
    try finishPipeline()
    return try sending(parameters) { PQexecParams(handle, sql, $0, nil, $1, $2, $3, 0) }
  }

  /// Runs one statement written with `?` placeholders, as a role written for both engines has it.
  /// Each is prepared once per connection (`prepared`): the change log runs the same few
  /// statements for every change, and parsing and planning each again was much of their cost.
  @discardableResult
  func rows(_ sql: String, _ arguments: [SQLValue]) throws(PostgresError) -> [SQLRow] {
    try sendHeldRows()
    try finishPipeline()
    guard let name = try prepared(sql, parameters: arguments.count) else {
      return try execute(Self.numberingPlaceholders(sql), arguments)
    }
    return try sending(arguments) { PQexecPrepared(handle, name, $0, $1, $2, $3, 0) }
  }

  /// `rows`, planned for these arguments each time, never prepared: for a query over a list of
  /// keys or a page's filters. A prepared statement's plan, once PostgreSQL settles on one for
  /// any values, is kept: made while a table was nearly empty, it reads the whole table however
  /// large it grows (BENCHMARKS.md, B12: an import's "which of these leads exist").
  func plannedEachTime(_ sql: String, _ arguments: [SQLValue]) throws(PostgresError) -> [SQLRow] {
    try execute(Self.numberingPlaceholders(sql), arguments)
  }

  /// Binds `parameters` as libpq takes them, hands them to `send` (count, values, lengths,
  /// formats) and reads its result.
  private func sending(
    _ parameters: [SQLValue],
    _ send: (Int32, [UnsafePointer<CChar>?], [Int32], [Int32]) -> OpaquePointer?
  ) throws(PostgresError) -> [SQLRow] {
    statementsRun += 1
    let bound = parameters.map(BoundParameter.init)
    defer { bound.forEach { $0.free() } }
    guard
      let result = send(
        Int32(bound.count), bound.map { UnsafePointer($0.pointer) }, bound.map(\.length), bound.map(\.format))
    else { throw failure(nil) }
    defer { PQclear(result) }
    switch PQresultStatus(result) {
    case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return []
    case PGRES_TUPLES_OK: return Self.rows(result)
    default: throw failure(result)
    }
  }

  /// The names of the statements prepared on this connection, by their SQL.
  var preparedNames: [String: String] = [:]
  /// At most this many are kept (statements whose text varies, such as long `IN` lists, would
  /// otherwise grow the server's memory for each connection); past it, statements are sent whole.
  private static let maximumPrepared = 512

  /// The name `sql` is prepared under, preparing it on first use; nil past `maximumPrepared`.
  /// A statement is prepared outside any transaction's effect: a rollback keeps it.
  func prepared(_ sql: String, parameters: Int) throws(PostgresError) -> String? {
    if let name = preparedNames[sql] { return name }
    guard preparedNames.count < Self.maximumPrepared else { return nil }
    let name = "liandong_\(preparedNames.count)"
    guard let result = PQprepare(handle, name, Self.numberingPlaceholders(sql), Int32(parameters), nil) else {
      throw failure(nil)
    }
    defer { PQclear(result) }
    guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw failure(result) }
    preparedNames[sql] = name
    return name
  }

  /// `?` becomes `$1`, `$2`, … outside quoted text and names.
  static func numberingPlaceholders(_ sql: String) -> String {
    var result = ""
    var number = 0
    var quote: Character? = nil
    for character in sql {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "'" || character == "\"" {
        quote = character
      } else if character == "?" {
        number += 1
        result += "$\(number)"
        continue
      }
      result.append(character)
    }
    return result
  }

  /// Runs several statements without parameters, as one script (a migration's).
  func executeScript(_ sql: String) throws(PostgresError) {
    try sendHeldRows()
    try finishPipeline()
    statementsRun += 1
    guard let result = PQexec(handle, sql) else { throw failure(nil) }
    defer { PQclear(result) }
    guard PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK else {
      throw failure(result)
    }
  }

  /// Runs `body` in a transaction: committed if it returns, rolled back if it throws. A
  /// transaction PostgreSQL aborted to break a deadlock or a serialization conflict is run
  /// again from the start (up to `attempts` times): nothing of it had been kept.
  @discardableResult
  func transaction<T>(
    beginning begin: String = "BEGIN", attempts: Int = 5, _ body: (PostgresConnection) throws -> T
  ) throws -> T {
    var attempt = 1
    while true {
      try execute(begin)
      inTransaction = true
      changesEntered = []
      defer { inTransaction = false }
      do {
        let result = try body(self)
        try numberEnteredChanges()
        try execute("COMMIT")
        return result
      } catch {
        // A write whose result was not read yet may be what failed: its error is not needed.
        heldRows = nil
        changesEntered = []
        _ = try? finishPipeline()
        if PQtransactionStatus(handle) != PQTRANS_IDLE { _ = try? execute("ROLLBACK") }
        guard let failure = error as? PostgresError, failure.isWorthRetrying, attempt < attempts else {
          throw error
        }
        attempt += 1
      }
    }
  }

  /// Whether the connection still works, or was lost (a server restarted, a failover).
  var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

  /// Whether a connection kept idle is still open: reads what arrived meanwhile without waiting,
  /// so that a server that closed it (a restart, a failover) is noticed before it is used.
  var survivedIdling: Bool { PQconsumeInput(handle) == 1 && isOpen }

  func failure(_ result: OpaquePointer?) -> PostgresError {
    guard isOpen else { return .unreachable(target: target, reason: Self.reason(Self.message(handle))) }
    let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map {
      String(cString: $0)
    }
    let primary = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map {
      String(cString: $0)
    }
    return .statement(
      target: target, sqlState: state ?? "", reason: primary ?? Self.reason(Self.message(handle)))
  }

  private static func rows(_ result: OpaquePointer) -> [SQLRow] {
    let columnCount = PQnfields(result)
    let columns = SQLRow.Columns((0..<columnCount).map { String(cString: PQfname(result, $0)) })
    let types = (0..<columnCount).map { PQftype(result, $0) }
    return (0..<PQntuples(result)).map { row in
      SQLRow(
        columns: columns,
        values: (0..<columnCount).map { column in
          guard PQgetisnull(result, row, column) == 0 else { return .null }
          return value(String(cString: PQgetvalue(result, row, column)), type: types[Int(column)])
        })
    }
  }

  /// A value in PostgreSQL's text form, as the SQLite store would give it: integers and booleans
  /// as integers, `bytea` as bytes.
  private static func value(_ text: String, type: Oid) -> SQLValue {
    switch type {
    case 16: .integer(text == "t" ? 1 : 0)
    case 17: hex(text).map { .bytes($0) } ?? .text(text)
    case 20, 21, 23, 26: Int64(text).map { .integer($0) } ?? .text(text)
    case 700, 701: Double(text).map { .real($0) } ?? .text(text)
    default: .text(text)
    }
  }

  /// `bytea`'s text form: `\x` and two hex digits a byte.
  private static func hex(_ text: String) -> Data? {
    text.hasPrefix("\\x") ? Data(hex: String(text.dropFirst(2))) : nil
  }

  private static func target(of handle: OpaquePointer) -> String {
    let host = PQhost(handle).map { String(cString: $0) } ?? ""
    let port = PQport(handle).map { String(cString: $0) } ?? ""
    let database = PQdb(handle).map { String(cString: $0) } ?? ""
    return "\(host.hasPrefix("/") ? "socket \(host)" : host):\(port)/\(database)"
  }

  private static func message(_ handle: OpaquePointer) -> String {
    PQerrorMessage(handle).map { String(cString: $0) } ?? ""
  }

  /// libpq's message without its "connection to server at … failed:" preamble and its hints.
  /// A host name with several addresses gets a line for each attempt: the last one's says why
  /// it ended.
  static func reason(_ libpqMessage: String) -> String {
    let lines = libpqMessage.split(separator: "\n").map(String.init)
    let line = lines.last { $0.contains("failed: ") } ?? lines.first ?? ""
    let afterPreamble = line.components(separatedBy: "failed: ").last ?? line
    return afterPreamble.replacingOccurrences(of: "FATAL:  ", with: "").trimmingCharacters(in: .whitespaces)
  }
}

/// Rows of one insert statement held back by `coalesce`: `count` rows' values, in order.
struct HeldRows {
  let inserts: RowInserts
  var values: [SQLValue]
  var count: Int
}

/// A parameter as libpq takes it: text in the server's text form, bytes in binary form, each in
/// memory of its own that outlives the call.
struct BoundParameter {
  let pointer: UnsafeMutablePointer<CChar>?
  let length: Int32
  let format: Int32

  init(_ value: SQLValue) {
    switch value {
    case .null: (pointer, length, format) = (nil, 0, 0)
    case .bytes(let data):
      let memory = UnsafeMutablePointer<CChar>.allocate(capacity: max(data.count, 1))
      data.withUnsafeBytes { bytes in
        if let base = bytes.bindMemory(to: CChar.self).baseAddress {
          memory.update(from: base, count: data.count)
        }
      }
      (pointer, length, format) = (memory, Int32(data.count), 1)
    case .integer(let number): (pointer, length, format) = (strdup(String(number)), 0, 0)
    case .real(let number): (pointer, length, format) = (strdup("\(number)"), 0, 0)
    case .text(let text): (pointer, length, format) = (strdup(text), 0, 0)
    }
  }

  func free() {
    guard let pointer else { return }
    format == 1 ? pointer.deallocate() : Foundation.free(pointer)
  }
}
