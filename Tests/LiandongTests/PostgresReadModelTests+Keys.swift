import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresReadModelTests {
  /// Texts whose keys the server and the writer could make differently: capitals (folded),
  /// noncharacters (folded to U+FFFD), U+0001, characters outside the BMP, ASCII pairs followed
  /// by ASCII, by other characters and by the text's end, and texts too short to hold a pair.
  static let awkwardTexts = [
    "Report-SHOP 旗舰店", "签\u{FFFF}伪造\u{FFFE}", "a\u{1}b\u{1}", "😀检测🧪X", "", "x", "伪造伪造伪造", "3C认证ab",
    "qs",
  ]

  @Test(
    "v15 gives the rows a hub already holds the search keys its writer gives new rows, and a search of two or three characters finds them through the keys' indexes"
  )
  func migratedKeysAreTheWritersKeys() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let url = server.url(database: "hub")
    // Rows written before v12 (no pairs yet): every later step, v15's keys among them, makes
    // what they need from the rows themselves.
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
    for (table, column) in [("p_leads", "summary"), ("p_subjects", "name")] {
      let keys = SearchKeys.column(column)
      for row in try connection.execute("SELECT \(column) AS text, \(keys)::text AS keys FROM \(table)") {
        let text = try #require(row.string("text"))
        #expect(
          row.string("keys") == SearchKeys.literal(of: text), "\(table): \(text.unicodeScalars.map(\.value))")
      }
    }
    // Every two and three characters of each text, asked as a search asks, name its lead
    // through the keys' indexes (by its summary and by its subject's name), and a text that
    // holds none of them is not named.
    for (index, text) in Self.awkwardTexts.enumerated() {
      let scalars = Array(LeadFilter.folded(text).unicodeScalars)
      for length in [2, 3] where scalars.count >= length {
        for start in 0...(scalars.count - length) {
          let needle = String(String.UnicodeScalarView(scalars[start..<start + length]))
          // Given time enough that a loaded machine does not turn the gathering into a walk.
          let found = try #require(
            try LeadSearch.$gatheringMillis.withValue(60_000) {
              try connection.transaction { held in
                try LeadSearch.postgresMatches(needle, atMost: 100, .postgres(held))
              }
            })
          #expect(found.contains("lead-\(index)"), "\(needle.unicodeScalars.map(\.value)) in text \(index)")
          for (other, otherText) in Self.awkwardTexts.enumerated()
          where !LeadFilter.finds(needle, in: otherText) {
            #expect(!found.contains("lead-\(other)"), "\(needle.debugDescription) is not in text \(other)")
          }
        }
      }
    }
  }
}

extension PostgresReadModelTests {
  @Test(
    "the server makes the search keys the writer makes, for any text of ASCII, Chinese, characters outside the BMP and noncharacters (seeded)"
  )
  func serverMadeKeysAreTheWritersKeys() async throws {
    let seed = replayableSeed("PostgresReadModelTests.serverMadeKeysAreTheWritersKeys")
    var random = SeededGenerator(seed: seed)
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let connection = try PostgresConnection(server.url(database: "hub"))
    let texts =
      Self.awkwardTexts
      + (0..<2_000).map { _ in
        String(
          String.UnicodeScalarView(
            (0..<Int.random(in: 0...14, using: &random)).map { _ in
              SearchKeysTests.alphabet.randomElement(using: &random)!
            }))
      }
    let json = try #require(String(data: JSONEncoder().encode(texts), encoding: .utf8))
    let made = try connection.execute(
      "SELECT text, (\(SearchKeys.sql("text")))::text AS keys FROM json_array_elements_text($1::json) AS texts(text)",
      [.text(json)])
    #expect(made.count == texts.count)
    for row in made {
      let text = try #require(row.string("text"))
      #expect(
        row.string("keys") == SearchKeys.literal(of: text),
        "\(text.debugDescription): \(text.unicodeScalars.map(\.value)), seed \(seed)")
    }
  }
}
