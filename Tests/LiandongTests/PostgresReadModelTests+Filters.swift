import Foundation
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresReadModelTests {
  @Test("a hub's page of one state or one risk reads that filter's index in page order, not every lead")
  func filteredPagesByIndex() async throws {
    let (server, hub) = try await Self.explainedHub()
    defer { server.stop() }
    for (filter, column, value) in [
      (LeadFilter(state: "closed"), "state", "closed"), (LeadFilter(risk: "low"), "risk", "low"),
    ] {
      for oldestFirst in [false, true] {
        var asked = filter
        asked.oldestFirst = oldestFirst
        let order = oldestFirst ? "ASC" : "DESC"
        let expected = try server.psql(
          "SELECT id FROM p_leads WHERE \(column) = '\(value)' ORDER BY created_wall \(order) LIMIT 20",
          database: "hub"
        ).split(separator: "\n").map(String.init)
        let first = try hub.leadPage(asked, after: nil, limit: 10)!.map(\.id)
        let second = try hub.leadPage(asked, after: first.last, limit: 10)!.map(\.id)
        #expect(first + second == expected, "\(column) \(value), oldest first: \(oldestFirst)")
      }
      let plans = server.log
      for scan in ["Index Scan using p_leads_by_\(column)", "Index Scan Backward using p_leads_by_\(column)"]
      {
        let read = plans.contains(scan)
        #expect(read, "no plan read p_leads_by_\(column) in page order (\(scan))")
      }
    }
  }

  @Test(
    "a hub's search for one character walks the leads: the search keys' indexes, which cannot name its holders, are not asked"
  )
  func oneCharacterWalked() async throws {
    let (server, hub) = try await Self.explainedHub()
    defer { server.stop() }
    for text in ["第", "某"] {
      let expected = try server.psql(
        "SELECT id FROM p_leads WHERE summary LIKE '%\(text)%' ORDER BY created_wall DESC LIMIT 10",
        database: "hub"
      ).split(separator: "\n").map(String.init)
      #expect(
        try hub.leadPage(LeadFilter(text: text), after: nil, limit: 10)!.map(\.id) == expected, "text \(text)"
      )
    }
    let asked = server.log.contains("p_leads_keys") || server.log.contains("p_subjects_keys")
    #expect(!asked, "a search for one character asked the search keys' indexes")
  }

  @Test(
    "a hub's planner knows how many leads hold a text, so that a page of one most leads hold walks them in page order"
  )
  func commonTextWalked() async throws {
    let (server, hub) = try await Self.explainedHub()
    defer { server.stop() }
    // Every one of the 50,000 leads holds it. Without statistics of the folded summaries the
    // planner takes a LIKE to match half a percent of the rows, and at a million leads it read
    // the whole table and sorted it for such a page (0.5 s) instead of walking the newest.
    let connection = try PostgresConnection(server.url(database: "hub"))
    let estimate = try connection.transaction { held in
      try LeadSearch.estimatedRows(
        "SELECT 1 FROM p_leads WHERE \(PostgresSchema.searchable("summary")) LIKE $1", .text("%伪造检测%"),
        .postgres(held))
    }
    #expect(estimate > 25_000, "the planner expects \(estimate) of 50,000 leads to hold a text they all hold")
    let expected = try server.psql(
      "SELECT id FROM p_leads ORDER BY created_wall DESC LIMIT 10", database: "hub"
    ).split(separator: "\n").map(String.init)
    let before = server.log.count
    #expect(try hub.leadPage(LeadFilter(text: "伪造检测"), after: nil, limit: 10)!.map(\.id) == expected)
    #expect(!server.log.dropFirst(before).contains("Seq Scan on p_leads"), "the page read the whole table")
  }

  /// A hub on a server that logs the plan of every statement it runs (auto_explain), holding
  /// 50,000 leads as the fold writes them, without subjects: one in a hundred of risk `low`, one
  /// in five hundred `closed`; then the statistics, as autovacuum would gather them. The caller
  /// stops the server.
  static func explainedHub() async throws -> (PostgreSQLServer, PostgresStore) {
    let server = try await PostgreSQLServer(settings: [
      "shared_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "0",
    ])
    do {
      try server.createDatabase("hub")
      let hub = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
      _ = try server.psql(
        """
        INSERT INTO p_leads (id, origin, owner, state, source, violations, subject_ids, product_category, summary,
          risk, source_reliability, information_reliability, reporter_real_name, created_by, created_wall,
          created_counter, updated_wall, updated_counter, audience, summary_keys)
        SELECT md5('lead ' || i), 'hub', 'hub', CASE WHEN i % 500 = 7 THEN 'closed' ELSE 'published' END,
          'online-monitoring', 'forged-report', '', '', '网店出售伪造检测报告 第' || i || '件',
          CASE WHEN i % 100 = 3 THEN 'low' ELSE 'high' END, 'X', 4, 0, 'test', 1000000 + i, 0, 1000000 + i, 0, 'all',
          \(SearchKeys.sql("('网店出售伪造检测报告 第' || i || '件')"))
        FROM generate_series(1, 50000) AS i;
        ANALYZE;
        """, database: "hub")
      return (server, hub)
    } catch {
      server.stop()
      throw error
    }
  }
}
