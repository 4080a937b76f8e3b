import Foundation
import GRDB
import LiandongCore

/// What a page of leads asks for; nil asks for any. `text` is found in the summary or a
/// subject's name (ASCII letters in any case, every other character as given), or is a
/// subject's USCC.
public struct LeadFilter: Sendable, Equatable {
  public var state: String?
  public var risk: String?
  public var violation: String?
  public var origin: String?
  public var owner: String?
  public var text: String?
  /// Recorded (by the signed time of the change that created the lead) at or after this instant
  /// and before that one, in milliseconds since the Unix epoch.
  public var createdFrom: Int64?
  public var createdBefore: Int64?
  /// Oldest first instead of newest first.
  public var oldestFirst = false

  public init(
    state: String? = nil, risk: String? = nil, violation: String? = nil, origin: String? = nil,
    owner: String? = nil, text: String? = nil
  ) {
    self.state = state
    self.risk = risk
    self.violation = violation
    self.origin = origin
    self.owner = owner
    self.text = text
  }
}

extension LeadFilter {
  /// `text` as a search compares it: trimmed, ASCII letters in lower case (as SQLite's `lower`
  /// and `LIKE` fold them; other scripts' capitals are left as they are), and the noncharacters
  /// U+FFFE and U+FFFF as U+FFFD (as SQLite reads them).
  public static func folded(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.trimmingCharacters(in: .whitespaces).unicodeScalars.map { scalar in
          ("A"..."Z").contains(scalar)
            ? Unicode.Scalar(scalar.value + 32)! : scalar.value & 0xFFFF_FFFE == 0xFFFE ? "\u{FFFD}" : scalar
        }))
  }

  /// Whether `text`, folded, holds `needle` (folded already) as a run of Unicode scalars, as
  /// SQLite compares text: no canonical equivalence, no grapheme boundaries.
  public static func finds(_ needle: String, in text: String) -> Bool {
    let needle = Array(needle.unicodeScalars), text = Array(folded(text).unicodeScalars)
    guard needle.count <= text.count else { return false }
    return (0...(text.count - needle.count)).contains { start in
      text[start..<(start + needle.count)].elementsEqual(needle)
    }
  }
}

extension ReadModels where Self: SQLBackedStore {
  /// The newest leads that match `filter` (the oldest, if it asks), created before (after) the
  /// lead `afterID` (the last of the page before; nil for the first page), at most `limit`.
  /// Read through the index on creation time, or for a text few leads hold, through the search
  /// indexes: a page costs what it returns and what the filter skips, not the whole store. Nil
  /// when `afterID` names no lead held.
  public func leadPage(_ filter: LeadFilter, after afterID: String?, limit: Int) throws -> [LeadView]? {
    try leadPage(
      filter, after: afterID, limit: limit, gatheringAtMost: LeadSearch.fewMatches,
      walkingFirst: LeadSearch.quickWindow)
  }

  /// `leadPage`, a text search reading the matching leads when there are at most `few`, and
  /// first walking the newest `quick` leads (0: none) for a two-character text on SQLite, for
  /// any on PostgreSQL; a test sets them to hold every way of searching to one answer.
  func leadPage(
    _ filter: LeadFilter, after afterID: String?, limit: Int, gatheringAtMost few: Int,
    walkingFirst quick: Int
  ) throws -> [LeadView]? {
    try snapshot { db -> [LeadView]? in
      var conditions: [LeadSearch.Condition] = []
      for (column, value) in [
        ("state", filter.state), ("risk", filter.risk), ("origin", filter.origin), ("owner", filter.owner),
      ] {
        guard let value else { continue }
        conditions.append(("p_leads.\(column) = ?", [.text(value)]))
      }
      for (bound, value) in [(">=", filter.createdFrom), ("<", filter.createdBefore)] {
        guard let value else { continue }
        conditions.append(("p_leads.created_wall \(bound) ?", [.integer(value)]))
      }
      if let violation = filter.violation {
        conditions.append(
          (
            "(',' || p_leads.violations || ',') LIKE ? ESCAPE '\\'",
            [.text("%," + LeadSearch.escapedForLike(violation) + ",%")]
          ))
      }
      var cursor: LeadSearch.Condition? = nil
      if let afterID {
        guard
          let row = try db.firstRow("SELECT created_wall, created_counter FROM p_leads WHERE id = ?", afterID)
        else { return nil }
        cursor = (
          "(p_leads.created_wall, p_leads.created_counter, p_leads.id) \(filter.oldestFirst ? ">" : "<") (?, ?, ?)",
          [row["created_wall"], row["created_counter"], .text(afterID)]
        )
      }
      let order = filter.oldestFirst ? "ASC" : "DESC"
      func page(_ conditions: [LeadSearch.Condition], from source: LeadSearch.Condition = ("p_leads", []))
        throws -> [SQLRow]
      {
        let all = conditions + (cursor.map { [$0] } ?? [])
        let condition = all.isEmpty ? "" : " WHERE " + all.map(\.sql).joined(separator: " AND ")
        return try db.rows(
          """
          SELECT p_leads.* FROM \(source.sql)\(condition)
          ORDER BY p_leads.created_wall \(order), p_leads.created_counter \(order), p_leads.id \(order)
          LIMIT ?
          """,
          binding: source.arguments + all.flatMap(\.arguments) + [.integer(Int64(limit))])
      }
      func views(_ rows: [SQLRow]) throws -> [LeadView] {
        let related = try LeadRelations(ofPage: rows, db)
        return try rows.map { row in try Self.leadView(row, related, db) }
      }
      guard let needle = filter.text.map(LeadFilter.folded), !needle.isEmpty else {
        return try views(page(conditions))
      }
      /// The page among the newest `quick` leads (from the cursor on) that hold the text, if it
      /// fills; the page among all, when fewer are left. A text most leads hold fills a page
      /// there, and finding that out first spares asking the indexes, whose answer costs every
      /// lead holding it. Nil when the page does not fill.
      func walkingTheNewest(_ walked: LeadSearch.Condition) throws -> [SQLRow]? {
        let window = try db.rows(
          """
          SELECT created_wall, created_counter, id FROM p_leads\(cursor.map { " WHERE " + $0.sql } ?? "")
          ORDER BY created_wall \(order), created_counter \(order), id \(order) LIMIT 1 OFFSET ?
          """, binding: (cursor?.arguments ?? []) + [.integer(Int64(quick - 1))]
        ).first
        guard let window else { return try page(conditions + [walked]) }
        let within: LeadSearch.Condition = (
          "(p_leads.created_wall, p_leads.created_counter, p_leads.id) \(filter.oldestFirst ? "<=" : ">=") (?, ?, ?)",
          [window["created_wall"], window["created_counter"], window["id"]]
        )
        let found = try page(conditions + [walked, within])
        return found.count == limit ? found : nil
      }
      guard case .sqlite(let sqlite) = db else {
        // PostgreSQL: the same three ways, through its trigram and pair indexes (`PostgresSchema`,
        // v5, v9 and v10; `LeadSearch+PostgreSQL.swift`).
        // The statistics say first whether few hold the text: walking the newest leads for one
        // few hold would test them all in vain (BENCHMARKS.md, B13). For one character, whose
        // holders the indexes cannot name, the statistics are not asked: it is walked.
        let estimates =
          PostgresSchema.indexesCanFind(needle)
          ? try LeadSearch.postgresEstimates(needle, db) : (summaries: Int.max, names: Int.max)
        let fewLikely = max(estimates.summaries, estimates.names) <= few + 1
        // The indexes' answer, unless more hold the text than they name in time: then walking
        // in page order fills the page sooner.
        if fewLikely,
          let gathered = try LeadSearch.postgresMatches(needle, atMost: few + 1, db, estimated: true),
          gathered.count <= few
        {
          guard !gathered.isEmpty else { return [] }
          let marks = LeadRelations.marks(gathered.count)
          return try views(page(conditions + [("p_leads.id IN (\(marks))", gathered.map { .text($0) })]))
        }
        let matches = try LeadSearch.postgresWalkingCondition(needle, namesEstimated: estimates.names, db)
        if quick > 0, !fewLikely, let found = try walkingTheNewest(matches) { return try views(found) }
        return try views(page(conditions + [matches]))
      }
      // Two characters most leads hold fill a page within the first few hundred leads.
      if needle.unicodeScalars.count == 2, quick > 0,
        let found = try walkingTheNewest(try LeadSearch.walking(needle, LeadSearch.TextMatches()))
      {
        return try views(found)
      }
      let found = try LeadSearch.textMatches(needle, atMost: few, sqlite)
      if let bySummary = found.bySummary, let bySubject = found.bySubject,
        bySummary.union(bySubject).count <= few
      {
        // Few leads hold the text: read those (CROSS JOIN keeps SQLite from walking the index
        // instead), then sort them.
        let matched = "json_each(?) AS matched CROSS JOIN p_leads ON p_leads.rowid = matched.value"
        return try views(
          page(conditions, from: (matched, [.text(try LeadSearch.json(bySummary.union(bySubject)))])))
      }
      // Many do: walk the index in page order and test each lead, so the page fills soon.
      return try views(page(conditions + [try LeadSearch.walking(needle, found)]))
    }
  }
}

/// How a page of leads finds a text: on SQLite through its trigram indexes (`Schema.swift`,
/// `searchIndexes`), on PostgreSQL through `pg_trgm`'s and, for two characters, its pair indexes.
enum LeadSearch {
  /// A condition of a page's query, and the values of its placeholders.
  typealias Condition = (sql: String, arguments: [SQLValue])

  /// The most leads a two-character search walks before it asks the indexes.
  static let quickWindow = 500

  /// The most leads a text search gathers before it reads them: above it, walking the creation
  /// index and testing each lead fills a page sooner (a page of 50 among 100,000 leads then
  /// tests about 2,500).
  static let fewMatches = 2_000

  /// The test of each lead walked for `needle`: through what the indexes found where they could
  /// say (a lead they named), else by reading the lead's summary and its subjects.
  static func walking(_ needle: String, _ found: TextMatches) throws -> Condition {
    let pattern = "%" + escapedForLike(needle) + "%"
    func named(_ rows: Set<Int64>) throws -> Condition {
      ("p_leads.rowid IN (SELECT value FROM json_each(?))", [.text(try json(rows))])
    }
    var either: [Condition] = []
    either.append(try found.bySummary.map(named) ?? ("p_leads.summary LIKE ? ESCAPE '\\'", [.text(pattern)]))
    either.append(
      try found.bySubject.map(named)
        ?? (
          """
          EXISTS (
            SELECT 1 FROM json_each(\(Schema.subjectIDsAsJSON("p_leads"))) AS named
            JOIN p_subjects ON p_subjects.id = named.value
            WHERE p_subjects.name LIKE ? ESCAPE '\\' OR p_subjects.uscc = ?)
          """, [.text(pattern), .text(needle.uppercased())]
        ))
    return ("(" + either.map(\.sql).joined(separator: " OR ") + ")", either.flatMap(\.arguments))
  }

  /// What the search indexes say of a text: the rowids of the leads whose summary holds it, and
  /// of those that name a subject whose name holds it or whose USCC it is. Each is nil where
  /// there are more than `few`, or where the indexes cannot say: a text of one character, or one
  /// holding U+FFFD, U+FFFE or U+FFFF (SQLite's tokenizer reads the last two, the indexes' end
  /// mark among them, as the first).
  struct TextMatches {
    var bySummary: Set<Int64>?
    var bySubject: Set<Int64>?
  }

  static func textMatches(_ needle: String, atMost few: Int, _ db: Database) throws -> TextMatches {
    guard needle.unicodeScalars.count >= 2,
      !needle.unicodeScalars.contains(where: { (0xFFFD...0xFFFF).contains($0.value) })
    else {
      return TextMatches()
    }
    var found = TextMatches()
    if let summaries = try query(needle, "p_lead_search", db) {
      let rows = try summaries.map {
        try Int64.fetchAll(
          db, sql: "SELECT rowid FROM p_lead_search WHERE p_lead_search MATCH ? LIMIT ?",
          arguments: [$0, few + 1])
      }
      found.bySummary = (rows?.count ?? 0) <= few ? Set(rows ?? []) : nil
    }
    guard let names = try query(needle, "p_subject_search", db) else { return found }
    var subjects = try String.fetchAll(
      db, sql: "SELECT id FROM p_subjects WHERE uscc = ?", arguments: [needle.uppercased()])
    if let names {
      subjects += try String.fetchAll(
        db,
        sql: """
          SELECT id FROM p_subjects WHERE rowid IN (
            SELECT rowid FROM p_subject_search WHERE p_subject_search MATCH ? LIMIT ?)
          """, arguments: [names, few + 1])
    }
    guard subjects.count <= few else { return found }
    let naming = try Int64.fetchAll(
      db,
      sql: """
        SELECT lead FROM p_lead_subjects WHERE subject_id IN (SELECT value FROM json_each(?)) LIMIT ?
        """,
      arguments: [try json(subjects), few + 1])
    found.bySubject = naming.count <= few ? Set(naming) : nil
    return found
  }

  static func json(_ values: some Encodable) throws -> String {
    String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
  }

  /// The full-text query that finds `needle` in the trigram index `table`: the needle as a
  /// phrase (its trigrams one after another), or for a needle of two characters, any of the
  /// index's trigrams that begin with it (every text is indexed with an end mark, so its last
  /// two characters begin one too). The inner nil when no text holds it; nil when too many
  /// trigrams begin with it to ask for each.
  private static func query(_ needle: String, _ table: String, _ db: Database) throws -> String?? {
    func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    guard needle.unicodeScalars.count == 2 else { return .some(quoted(needle)) }
    let terms = try String.fetchAll(
      db, sql: "SELECT term FROM \(table)_terms WHERE term >= ? AND term < ? LIMIT ?",
      arguments: [needle, needle + "\u{10FFFF}", trigramsAskedFor + 1])
    guard terms.count <= trigramsAskedFor else { return nil }
    return .some(terms.isEmpty ? nil : terms.map(quoted).joined(separator: " OR "))
  }

  /// The most trigrams a two-character search asks the index for, one by one.
  static let trigramsAskedFor = 200

  /// `text` with LIKE's wildcards and the escape character taken literally.
  static func escapedForLike(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }
}

extension NodeStore {
  /// Brings the search indexes in line with the rows this transaction wrote
  /// (`Schema.searchSettlement`). Run before every write transaction commits, so no reader sees
  /// an index behind its rows.
  static func settleSearchIndexes(_ db: Database) throws {
    // Cached: compiled once per connection, not in every write transaction.
    guard try Bool.fetchOne(db.cachedStatement(sql: Schema.searchBehind)) == true else { return }
    for statement in searchSettlement { try db.cachedStatement(sql: statement).execute() }
  }

  /// The statements that settle the search indexes; public for the benchmark that writes a
  /// node's rows into bare SQLite.
  public static var searchSettlement: [String] { Schema.searchSettlement }
}
