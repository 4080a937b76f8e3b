import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresReadModelTests {
  /// Texts whose pairs the server and the writer could make differently: capitals (folded),
  /// noncharacters (folded to U+FFFD), U+0001 (the separator the v9 pairs were cut at),
  /// characters outside the BMP, and texts too short to hold a pair.
  static let awkwardTexts = [
    "Report-SHOP 旗舰店", "签\u{FFFF}伪造\u{FFFE}", "a\u{1}b\u{1}", "😀检测🧪X", "", "x", "伪造伪造伪造",
  ]

  @Test(
    "v12 gives the rows a hub already holds the pairs its writer gives new rows, and a search of two characters finds them through the pair indexes"
  )
  func migratedPairsAreTheWritersPairs() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let url = server.url(database: "hub")
    let v12 = try #require(PostgresStore.schemaVersions.firstIndex { $0.hasPrefix("v12:") })
    _ = try PostgresStore(url: url, node: hubNode, migrateUpTo: v12)
    let connection = try PostgresConnection(url)
    for (index, text) in Self.awkwardTexts.enumerated() {
      _ = try connection.execute(
        """
        INSERT INTO p_subjects (id, origin, kind, name, created_wall, created_counter, audience)
        VALUES ($1, 'hub', 'shop', $2, $3, 0, 'all')
        """, [.text("subject-\(index)"), .text(text), .integer(Int64(index))])
      _ = try connection.execute(
        """
        INSERT INTO p_leads (id, origin, owner, state, source, violations, subject_ids, product_category, summary,
          risk, source_reliability, information_reliability, reporter_real_name, created_by, created_wall,
          created_counter, updated_wall, updated_counter, audience)
        VALUES ($1, 'hub', 'hub', 'published', 'online-monitoring', 'forged-report', $2, '', $3, 'high', 'X', 4, 0,
          'test', $4, 0, $4, 0, 'all')
        """, [.text("lead-\(index)"), .text("subject-\(index)"), .text(text), .integer(Int64(index))])
    }
    let hub = try PostgresStore(url: url, node: hubNode)
    #expect(try hub.appliedSchemaVersions() == PostgresStore.schemaVersions)
    for (table, column, pairs) in [
      ("p_leads", "summary", "summary_pairs"), ("p_subjects", "name", "name_pairs"),
    ] {
      for row in try connection.execute("SELECT \(column) AS text, \(pairs)::text AS pairs FROM \(table)") {
        let text = try #require(row.string("text"))
        #expect(
          row.string("pairs") == SearchPairs.literal(of: text),
          "\(table): \(text.unicodeScalars.map(\.value))")
      }
    }
    // Every pair of each text, asked as a search asks for two characters, names its lead
    // through the pair indexes (by its summary and by its subject's name).
    for (index, text) in Self.awkwardTexts.enumerated() {
      let folded = LeadFilter.folded(text)
      let scalars = Array(folded.unicodeScalars)
      for start in scalars.indices.dropLast() {
        let needle = String(String.UnicodeScalarView(scalars[start...start + 1]))
        let found = try connection.transaction { held in
          try LeadSearch.postgresMatches(needle, atMost: 100, .postgres(held))
        }
        #expect(
          found?.contains("lead-\(index)") == true, "\(needle.unicodeScalars.map(\.value)) in text \(index)")
      }
    }
  }
}
