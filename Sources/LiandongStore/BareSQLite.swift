import Foundation
import GRDB

/// A plain SQLite file written the way the node's store writes (WAL, `synchronous=FULL`, the
/// store's page size, prepared statements), with none of the node's logic: the yardstick
/// `liandong-bench` measures the store against. It lives in the store target so that GRDB stays
/// there.
public final class BareSQLite: Sendable {
  /// A value bound to a statement's parameter.
  public enum Value: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
  {
    case text(String)
    case integer(Int64)
    case blob(Data)
    case null

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
    public init(nilLiteral: ()) { self = .null }
    public static func int(_ value: Int) -> Value { .integer(Int64(value)) }

    var databaseValue: DatabaseValue {
      switch self {
      case .text(let text): text.databaseValue
      case .integer(let integer): integer.databaseValue
      case .blob(let data): data.databaseValue
      case .null: .null
      }
    }
  }

  /// Statements prepared in one transaction.
  public struct Transaction {
    let db: Database

    /// Prepares `sql` once; run it with `Statement.run` as often as needed.
    public func prepare(_ sql: String) throws -> Statement {
      Statement(statement: try db.makeStatement(sql: sql))
    }
    public func execute(_ sql: String) throws { try db.execute(sql: sql) }
  }

  public struct Statement {
    let statement: GRDB.Statement
    public func run(_ values: [Value]) throws {
      try statement.execute(arguments: StatementArguments(values.map(\.databaseValue)))
    }
  }

  private let writer: any DatabaseWriter

  /// Opens (or creates) the file for writing, as the node's store does.
  public init(path: String) throws {
    var configuration = Configuration()
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
      try NodeStore.choosePageSize(db)
      // The node's settlement (`NodeStore.searchSettlement`) calls it.
      DigitRuns.register(on: db.sqliteConnection)
    }
    writer = try DatabasePool(path: path, configuration: configuration)
  }

  /// Opens a file only to read it (e.g. a node's database, to copy its table definitions).
  public init(readingOnly path: String) throws {
    var configuration = Configuration()
    configuration.readonly = true
    writer = try DatabaseQueue(path: path, configuration: configuration)
  }

  /// Runs `body` in one transaction, committed when it returns.
  public func transaction(_ body: (Transaction) throws -> Void) throws {
    try writer.write { db in try body(Transaction(db: db)) }
  }

  /// The first column of every row of `sql`, as text.
  public func strings(_ sql: String) throws -> [String] {
    try writer.read { db in try String.fetchAll(db, sql: sql) }
  }

  /// The first column of the first row of `sql`, as an integer.
  public func integer(_ sql: String) throws -> Int? {
    try writer.read { db in try Int.fetchOne(db, sql: sql) }
  }
}
