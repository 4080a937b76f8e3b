import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresChangeLogTests {
  @Test(
    "a hub asks which objects the operation index holds through the index, even before the table's statistics are taken, as in the middle of a bulk import"
  )
  func objectsIndexedAreLookedUpInTheIndex() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let url = server.url(database: "hub")
    _ = try PostgresStore(url: url, node: NodeID("hub"))
    let connection = try PostgresConnection(url)
    // The rows of a large import, which no analysis has seen yet: the planner takes each object
    // to have a two-hundredth of the table's rows.
    _ = try connection.execute("ALTER TABLE p_operations SET (autovacuum_enabled = false)")
    _ = try connection.execute(
      """
      INSERT INTO p_operations (object_id, change_id, op_index)
      SELECT decode(md5('object ' || i), 'hex'), decode(md5('change ' || i), 'hex'), 0
      FROM generate_series(1, 100000) i
      """)
    // Half of the objects asked about are in the index, half are not.
    let present = try connection.execute(
      "SELECT DISTINCT object_id FROM p_operations ORDER BY object_id LIMIT \(FoldBatch.objectsPerQuery / 2)"
    ).compactMap { $0.bytes("object_id") }
    let absent = (0..<FoldBatch.objectsPerQuery / 2).map { Data("absent object \($0)".utf8) }
    let asked = present + absent
    let db = StoreConnection.postgres(connection)
    let plan = try db.rows("EXPLAIN " + db.objectsIndexedQuery, binding: asked)
      .compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
    #expect(!plan.contains("Seq Scan on p_operations"), "\(plan)")
    #expect(plan.contains("Index"), "\(plan)")
    let found = try db.rows(db.objectsIndexedQuery, binding: asked).compactMap { row -> Data? in
      if case .bytes(let object) = row.values.first { object } else { nil }
    }
    #expect(Set(found) == Set(present))
  }
}
