import Foundation
import GRDB
import Testing

@testable import LiandongStore

/// The ingest path binds values to SQLite itself (`Database.run`, `forEachRow`); what it writes
/// must read back exactly as what GRDB writes, and a failed statement must not spoil the cached
/// statement for the next change.
@Suite("Statements bound directly to SQLite")
struct DirectStatementTests {
  private func database() throws -> DatabaseQueue {
    let queue = try DatabaseQueue()
    try queue.write {
      try $0.execute(
        sql:
          "CREATE TABLE t (k INTEGER PRIMARY KEY, i INTEGER, b INTEGER, s TEXT, d BLOB, n TEXT, e TEXT, z BLOB)"
      )
    }
    return queue
  }

  @Test("every kind of value is stored as GRDB stores it")
  func sameAsGRDB() throws {
    let queue = try database()
    let text = "检测服务店 \"one-day\" report"
    let blob = Data([0, 1, 2, 0xFF])
    try queue.write { db in
      try db.run(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", 1, Int64.min, true, text, blob, String?.none, "",
        Data([7]))
      try db.execute(
        sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        arguments: [2, Int64.min, true, text, blob, String?.none, "", Data([7])])
    }
    let rows = try queue.read { db in
      try String.fetchAll(
        db,
        sql:
          "SELECT quote(i) || quote(b) || quote(s) || quote(d) || quote(n) || quote(e) || quote(z) FROM t ORDER BY k"
      )
    }
    #expect(rows.count == 2)
    #expect(rows.first == rows.last)
    #expect(rows.first?.contains("X'000102FF'") == true)
  }

  @Test("a failed statement throws SQLite's code and message, and the statement still works after it")
  func failureLeavesTheStatementClean() throws {
    let queue = try database()
    let insert = "INSERT INTO t (k, s) VALUES (?, ?)"
    try queue.write { db in
      try db.run(insert, 1, "first")
      do {
        try db.run(insert, 1, "again")
        Issue.record("a duplicate key was accepted")
      } catch let error as DatabaseError {
        #expect(error.resultCode == .SQLITE_CONSTRAINT)
        #expect(error.message?.contains("t.k") == true)
      }
      // The same cached statement, by this path and by GRDB's.
      try db.run(insert, 2, "second")
      try db.execute(sql: insert, arguments: [3, "third"])
    }
    let texts = try queue.read { try String.fetchAll($0, sql: "SELECT s FROM t ORDER BY k") }
    #expect(texts == ["first", "second", "third"])
  }

  @Test("too few or too many values is refused before anything runs")
  func wrongCount() throws {
    let queue = try database()
    #expect(throws: DatabaseError.self) {
      try queue.write { try $0.run("INSERT INTO t (k, s) VALUES (?, ?)", 1) }
    }
    #expect(throws: DatabaseError.self) {
      try queue.write { try $0.run("INSERT INTO t (k, s) VALUES (?, ?)", 1, "a", "b") }
    }
    #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 0)
  }

  @Test("a query hands over its rows in order, by column position")
  func rows() throws {
    let queue = try database()
    var seen: [(Int64, Data)] = []
    try queue.write { db in
      for key in 1...3 {
        try db.run("INSERT INTO t (k, d) VALUES (?, ?)", key, Data(repeating: UInt8(key), count: key))
      }
      try db.run("INSERT INTO t (k, d) VALUES (?, ?)", 4, Data?.none)
      try db.forEachRow("SELECT k, d FROM t WHERE k >= ? ORDER BY k", 2) {
        seen.append(($0.int64(0), $0.data(1)))
      }
    }
    #expect(seen.map(\.0) == [2, 3, 4])
    #expect(seen.map(\.1) == [Data([2, 2]), Data([3, 3, 3]), Data()])
  }

  @Test("rows inserted many to a statement, the rest one by one, are every row given, in full")
  func manyRowsToAStatement() throws {
    let queue = try database()
    let inserts = RowInserts("t", rowsPerStatement: 32, columns: ["k", "s"])
    #expect(inserts.many.components(separatedBy: "(?, ?)").count == 33)
    try queue.write { db in
      try db.insert(Array(1...70), with: inserts) { key, row in
        try row.bind(key)
        try row.bind("row \(key)")
      }
    }
    let rows = try queue.read { try String.fetchAll($0, sql: "SELECT k || ' ' || s FROM t ORDER BY k") }
    #expect(rows == (1...70).map { "\($0) row \($0)" })
  }

  @Test("a list of values fills an IN (...) and must fill all of it")
  func listOfValues() throws {
    let queue = try database()
    var keys: [Int64] = []
    try queue.write { db in
      for key in 1...5 { try db.run("INSERT INTO t (k, s) VALUES (?, ?)", key, "row \(key)") }
      try db.forEachRow(
        "SELECT k FROM t WHERE s IN (?, ?, ?) ORDER BY k", binding: ["row 4", "row 2", "none"]
      ) {
        keys.append($0.int64(0))
      }
    }
    #expect(keys == [2, 4])
    #expect(throws: DatabaseError.self) {
      try queue.read { try $0.forEachRow("SELECT k FROM t WHERE s IN (?, ?)", binding: ["row 1"]) { _ in } }
    }
  }
}
