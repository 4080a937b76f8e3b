import Dispatch
import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

extension PostgresReadModelTests {
  @Test(
    "a hub's search asks the search keys' indexes for a limited time, then gives way to walking the leads, its settings undone either way"
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

extension PostgresReadModelTests {
  @Test(
    "a hub gathers the leads holding a text of two characters or more through its search keys' indexes, and walking tests each lead's own subjects, or the few subjects holding the text named first: none reads a whole table"
  )
  func searchReadsNoWholeTable() async throws {
    let seed = replayableSeed("PostgresReadModelTests.searchReadsNoWholeTable")
    var random = SeededGenerator(seed: seed)
    let (model, server, _) = try await Self.searchableHub(seed: seed, acts: 0, &random)
    defer { server.stop() }
    // Subjects of no lead, enough that the planner's floor for a key it has no frequency of
    // (half a percent of the rows, when each pair it has one of is common) is more than a search
    // gathers; every name holds 检测. Then the statistics the gathering reads.
    _ = try server.psql(
      """
      INSERT INTO p_subjects (id, origin, kind, name, uscc, registered_division, business_division, platform,
        shop_id, url, created_wall, created_counter, audience, name_keys)
      SELECT md5('subject ' || i), 'hub', 'shop', '检测服务店' || (i % 10) || '号', '', '', '', '', '', '', i, 0, 'all',
        \(SearchKeys.sql("('检测服务店' || (i % 10) || '号')"))
      FROM generate_series(1, 20000) AS i;
      ANALYZE;
      """, database: "hub")
    let connection = try PostgresConnection(server.url(database: "hub"))
    let rareKeys = try #require(SearchKeys.lookup("旗舰"))
    guard case .all(let rare) = rareKeys else { throw TestFailure("旗舰 is not looked up by all its keys") }
    let floor = try connection.transaction { held in
      try LeadSearch.estimatedRows(
        "SELECT 1 FROM p_subjects WHERE name_keys @> $1::bigint[]", .text(SearchKeys.literal(rare)),
        .postgres(held))
    }
    #expect(floor > 5, "the planner guesses more names hold a rare key than the search below gathers")
    // Two characters (Chinese, and ASCII, whose keys hold the character after them), then
    // longer texts (capitals and noncharacters among them): the search must fold a text as its
    // keys were made, or it would miss the texts that hold it.
    let longer = ["20000mAh", "91350100M000100Y43", "Report-Shop", "签\u{FFFF}伪造"]
    // What the indexes name, and by which plan: given time enough that a loaded machine (CI runs
    // other servers beside this one) does not turn a gathering into a walk.
    try LeadSearch.$gatheringMillis.withValue(60_000) {
      for text in ["检测", "旗舰", "3C", "0%", "r_", "没有"] + longer {
        let needle = LeadFilter.folded(text)
        let holding = try model.database.leadPage(LeadFilter(text: text), after: nil, limit: 1_000)!.map(\.id)
        try connection.transaction { held in
          let db = StoreConnection.postgres(held)
          let gathered = try LeadSearch.postgresMatches(needle, atMost: 5, db)
          if text == "检测" {
            #expect(gathered == nil, "a pair most names hold is walked to, not gathered")
          } else {
            #expect(gathered.map(Set.init) == Set(holding), "text \(text), seed \(seed)")
          }
          // Walking the leads tests each one's summary and its own subjects, read by their keys,
          // not every subject whose name holds the text.
          let walk = LeadSearch.postgresCondition(needle)
          let walking = try db.rows(
            "EXPLAIN SELECT p_leads.id FROM p_leads WHERE \(walk.sql) ORDER BY created_wall DESC LIMIT 50",
            binding: walk.arguments
          ).compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
          #expect(
            walking.contains("p_subjects_pkey") && !walking.contains("Seq Scan on p_subjects"),
            "text \(text): \(walking)")
          // Where few names hold the text, those subjects are named first, and each lead walked
          // past is tested by its summary and its subjects' IDs: the same leads, no subject read.
          let named = try LeadSearch.postgresWalkingCondition(needle, namesEstimated: 0, atMost: 5, db)
          let walkedPast = try db.rows(
            "SELECT p_leads.id FROM p_leads WHERE \(named.sql)", binding: named.arguments
          )
          .map { $0.string("id")! }
          #expect(Set(walkedPast) == Set(holding), "text \(text), seed \(seed)")
          let namedPlan = try db.rows(
            "EXPLAIN SELECT p_leads.id FROM p_leads WHERE \(named.sql) ORDER BY created_wall DESC LIMIT 50",
            binding: named.arguments
          ).compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
          #expect(
            namedPlan.contains("p_subjects") == (text == "检测"),
            "text \(text): the subjects are read only where too many names hold it: \(namedPlan)")
          // Asked as the gathering asks, the plan names both indexes and reads no whole table,
          // and it runs in this backend alone even where parallel workers cost nothing to start
          // (as, to the planner, they cost little beside millions of rows).
          let cheapWorkers = [
            "parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
          ]
          for setting in cheapWorkers + LeadSearch.gatheringSettings { try db.run("SET LOCAL \(setting)") }
          let query = LeadSearch.gatheringQuery(needle, atMost: 5)
          let plan = try db.rows("EXPLAIN " + query.sql, binding: query.arguments)
            .compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
          #expect(
            plan.contains("p_leads_keys") && plan.contains("p_subjects_keys")
              && !plan.contains("Seq Scan")
              && !plan.contains("Gather"),
            "text \(text): \(plan)")
        }
      }
    }
    #expect(
      try model.database.leadPage(LeadFilter(text: "检测"), after: nil, limit: 1_000)!.count >= 2,
      "the cases hold the text searched")
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

extension PostgresReadModelTests {
  @Test(
    "a hub in a UTF-8 database of the C character type, as a DBA may create one, finds in Chinese, in capitals and with LIKE's wildcards what a node on SQLite holding the same changes finds"
  )
  func searchUnderTheCCharacterType() async throws {
    let seed = replayableSeed("PostgresReadModelTests.searchUnderTheCCharacterType")
    var random = SeededGenerator(seed: seed)
    let (model, server, hub) = try await Self.searchableHub(seed: seed, acts: 20, characterType: "C", &random)
    defer { server.stop() }
    let characterType = try server.psql("SHOW lc_ctype", database: "hub")
    #expect(characterType.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "C" })
    let node: NodeStore = model.database
    let leads = try node.leads()
    var searched = 0
    for filter in Self.filters(for: leads, using: &random) where filter.text != nil {
      for limit in [3, 50] {
        var after: String? = nil
        repeat {
          let expected = try node.leadPage(filter, after: after, limit: limit)
          #expect(
            try hub.leadPage(filter, after: after, limit: limit) == expected,
            "filter \(filter), limit \(limit), after \(after ?? "-"), seed \(seed)")
          if !(expected ?? []).isEmpty { searched += 1 }
          guard let expected, expected.count == limit else { break }
          after = expected.last?.id
        } while true
      }
    }
    // The Chinese texts found something: a store that finds nothing would match an empty node.
    let chinese = try hub.leadPage(LeadFilter(text: "检测"), after: nil, limit: 50) ?? []
    #expect(!chinese.isEmpty && searched > 10, "seed \(seed)")
  }
}
