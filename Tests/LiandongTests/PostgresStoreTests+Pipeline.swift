import Foundation
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresStoreTests {
  @Test(
    "writes in a transaction go out pipelined, rows many to a statement: reads see them, a failed one undoes the whole transaction"
  )
  func pipelinedWrites() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let connection = try PostgresConnection(server.url(database: "hub"))
    try connection.execute("CREATE TABLE t (n integer PRIMARY KEY, label text NOT NULL)")
    let rows = RowInserts("t", rowsPerStatement: 4, columns: ["n", "label"])
    func count() throws -> Int64? {
      try connection.execute("SELECT count(*) AS n FROM t").first?.integer("n")
    }

    // More writes than are ever left unread at once (`maximumPipelined`), rows held back and
    // sent four to a statement, a row held back when a read comes, and plain statements between.
    let before = connection.statementsRun
    let seen = try connection.transaction { held in
      let db = StoreConnection.postgres(held)
      for n in 0..<300 { try db.insertRow(rows, n, "row \(n)") }
      for n in 300..<603 { try db.run("INSERT INTO t (n, label) VALUES (?, ?)", n, "one \(n)") }
      try db.insertRow(rows, 603, "held back")
      return try db.firstRow("SELECT label FROM t WHERE n = ?", 603)?.string("label")
    }
    // BEGIN, 75 statements of four rows, 303 of one, the row held back, the read, COMMIT.
    #expect(connection.statementsRun - before == 1 + 75 + 303 + 1 + 1 + 1)
    #expect(seen == "held back")
    #expect(try count() == 604)

    // A failed write is reported by a later statement, with its code; nothing of its
    // transaction is kept, and the connection goes on working.
    for failing in ["a plain statement", "a row held back", "rows sent many to a statement"] {
      let code = thrownCode {
        try connection.transaction { held in
          let db = StoreConnection.postgres(held)
          try db.run("INSERT INTO t (n, label) VALUES (?, ?)", 1000, "undone")
          switch failing {
          case "a plain statement": try db.run("INSERT INTO t (n, label) VALUES (?, ?)", 1, "twice")
          case "a row held back": try db.insertRow(rows, 1, "twice")
          default: for n in [1001, 1002, 1003, 1] { try db.insertRow(rows, n, "twice?") }
          }
          try db.run("INSERT INTO t (n, label) VALUES (?, ?)", 1004, "after")
        }
      }
      #expect(code == "store.postgres-failed", "\(failing)")
      #expect(try count() == 604, "\(failing)")
      #expect(try connection.execute("SELECT 1 AS one").first?.integer("one") == 1, "\(failing)")
    }

    // Outside a transaction each statement runs at once and fails at once.
    #expect(
      thrownCode {
        try StoreConnection.postgres(connection).run("INSERT INTO t (n, label) VALUES (?, ?)", 1, "x")
      }
        == "store.postgres-failed")
    #expect(try count() == 604)
  }
}
