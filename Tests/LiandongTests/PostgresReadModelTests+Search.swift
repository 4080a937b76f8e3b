import Dispatch
import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresReadModelTests {
  @Test(
    "a hub's search asks the trigram indexes for a limited time, then gives way to walking the leads, its settings undone either way"
  )
  func gatheringGivesWay() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    _ = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
    let connection = try PostgresConnection(server.url(database: "hub"))
    func gather() throws -> (found: [String]?, seqscan: String?, timeout: String?) {
      try connection.transaction { held in
        let db = StoreConnection.postgres(held)
        let found = try LeadSearch.postgresMatches("暗号甲乙丙", atMost: 5, db)
        let settings = try db.firstRow(
          "SELECT current_setting('enable_seqscan') AS seqscan, current_setting('statement_timeout') AS timeout"
        )
        return (found, settings?.string("seqscan"), settings?.string("timeout"))
      }
    }
    let answered = try gather()
    #expect(answered.found == [])
    #expect(answered.seqscan == "on" && answered.timeout == "0")

    // Another transaction holds the leads' table: the indexes cannot answer in time. (Should
    // the search wait for it, the lock goes after 20 s, and the search finds nothing then.)
    let blocker = try TableLock(server.url(database: "hub"), table: "p_leads")
    DispatchQueue.global().asyncAfter(deadline: .now() + 20) { blocker.release() }
    let blocked = try gather()
    blocker.release()
    #expect(blocked.found == nil)
    #expect(blocked.seqscan == "on" && blocked.timeout == "0")
  }
}

/// A table locked by a transaction of another connection until `release`, from any thread, once.
private final class TableLock: @unchecked Sendable {
  private let connection: PostgresConnection
  private let lock = NSLock()
  private var held = true

  init(_ url: String, table: String) throws {
    connection = try PostgresConnection(url)
    try connection.execute("BEGIN")
    try connection.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
  }

  func release() {
    lock.lock()
    defer { lock.unlock() }
    if held { _ = try? connection.execute("ROLLBACK") }
    held = false
  }
}
