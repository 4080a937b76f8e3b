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
    String(String.UnicodeScalarView(text.trimmingCharacters(in: .whitespaces).unicodeScalars.map(folded)))
  }

  /// One character as `folded(_:)` folds it (and as a hub's search keys are made, `SearchKeys`).
  static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    if ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
    return scalar.value & 0xFFFF_FFFE == 0xFFFE ? "\u{FFFD}" : scalar
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
  /// first walking the newest `quick` leads (0: none) for a text more hold (on SQLite, for a
  /// two-character text before asking the indexes); a test sets them to hold every way of
  /// searching to one answer.
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
          let row = try db.firstRow(
            "SELECT created_wall, created_counter, id FROM p_leads WHERE id = ?", afterID)
        else { return nil }
        cursor = LeadSearch.created(filter.oldestFirst ? ">" : "<", row)
      }
      let order = filter.oldestFirst ? "ASC" : "DESC"
      func page(_ conditions: [LeadSearch.Condition], from source: LeadSearch.Condition = ("p_leads", []))
        throws -> [SQLRow]
      {
        let all = conditions + (cursor.map { [$0] } ?? [])
        let condition = all.isEmpty ? "" : " WHERE " + all.map(\.sql).joined(separator: " AND ")
        return try db.rows(
          """
          SELECT \(ProjectionRows.columns(of: "p_leads")) FROM \(source.sql)\(condition)
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
        let within = LeadSearch.created(filter.oldestFirst ? "<=" : ">=", window)
        let found = try page(conditions + [walked, within])
        return found.count == limit ? found : nil
      }
      guard case .sqlite(let sqlite) = db else {
        // PostgreSQL: the same three ways, through its search keys' indexes (`PostgresSchema`
        // v15, `SearchKeys`; `LeadSearch+PostgreSQL.swift`).
        // The statistics say first whether few hold the text: walking the newest leads for one
        // few hold would test them all in vain (BENCHMARKS.md, B13). One character, whose
        // holders the indexes cannot name, is walked, the statistics unasked.
        let estimates = try LeadSearch.postgresEstimates(needle, db)
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
      let twoCharacters = needle.unicodeScalars.count == 2
      if twoCharacters, quick > 0,
        let found = try walkingTheNewest(try LeadSearch.walking(needle, LeadSearch.TextMatches()))
      {
        return try views(found)
      }
      let found = try LeadSearch.textMatches(needle, atMost: few, sqlite)
      if let bySummary = found.bySummary, let bySubject = found.bySubject,
        bySummary.union(bySubject).count <= few
      {
        // Few leads hold the text: read those, then sort them.
        return try views(page(conditions, from: try LeadSearch.leads(among: bySummary.union(bySubject))))
      }
      // Many do, most likely the newest: a page among the first few hundred.
      if !twoCharacters, quick > 0, let found = try walkingTheNewest(try LeadSearch.walking(needle, found)) {
        return try views(found)
      }
      // Otherwise the page among the summaries holding it that come first in rowid order, where no
      // lead the index was not asked about could come before its last. A walk would test every
      // lead before the page that does not hold the text: after a sync of leads unlike the rest,
      // all of them (BENCHMARKS.md, B10).
      if let bySubject = found.bySubject, let summaries = found.manySummaries {
        let first = try LeadSearch.summariesFirst(
          summaries, count: few + 1, newestFirst: !filter.oldestFirst, sqlite)
        for taken in LeadSearch.firstTaken(limit, of: first.count) {
          let asked = first.prefix(taken)
          let rows = try page(conditions, from: try LeadSearch.leads(among: Set(asked).union(bySubject)))
          guard rows.count == limit, let last = rows.last, let bound = asked.last else { continue }
          if try !LeadSearch.anyUnasked(
            before: last, from: cursor, beyond: bound, known: bySubject, newestFirst: !filter.oldestFirst, db)
          {
            return try views(rows)
          }
        }
      }
      // Many do: walk the index in page order and test each lead, so the page fills soon.
      return try views(page(conditions + [try LeadSearch.walking(needle, found)]))
    }
  }
}

/// How a page of leads finds a text: on SQLite through its trigram indexes (`Schema.swift`,
/// `searchIndexes`; `LeadSearch+SQLite.swift`), on PostgreSQL through its search keys' indexes
/// (`SearchKeys`, `LeadSearch+PostgreSQL.swift`).
enum LeadSearch {
  /// A condition of a page's query, and the values of its placeholders.
  typealias Condition = (sql: String, arguments: [SQLValue])

  /// The most leads a two-character search walks before it asks the indexes.
  static let quickWindow = 500

  /// The most leads a text search gathers before it reads them: above it, walking the creation
  /// index and testing each lead fills a page sooner (a page of 50 among 100,000 leads then
  /// tests about 2,500).
  static let fewMatches = 2_000

  /// The leads that `comparison` (`<`, `<=`, `>`, `>=`) places against `row`'s lead in the order
  /// pages follow: creation time, then its counter, then the lead's ID.
  static func created(_ comparison: String, _ row: SQLRow) -> Condition {
    (
      "(p_leads.created_wall, p_leads.created_counter, p_leads.id) \(comparison) (?, ?, ?)",
      [row["created_wall"], row["created_counter"], row["id"]]
    )
  }

  static func json(_ values: some Encodable) throws -> String {
    String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
  }

  /// `text` with LIKE's wildcards and the escape character taken literally.
  static func escapedForLike(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }
}

extension NodeStore {
  /// Brings the search indexes, and what is settled with them, in line with the rows this
  /// transaction wrote (`Schema.settlement`). Run before every write transaction commits, so no
  /// reader sees an index behind its rows.
  static func settle(_ settlement: [String], _ db: Database) throws {
    // Cached: compiled once per connection, not in every write transaction.
    guard !settlement.isEmpty, try Bool.fetchOne(db.cachedStatement(sql: Schema.searchBehind)) == true else {
      return
    }
    for statement in settlement { try db.cachedStatement(sql: statement).execute() }
  }

  /// The statements that settle the search indexes and what is settled with them; public for
  /// the benchmark that writes a node's rows into bare SQLite.
  public static let searchSettlement = Schema.settlement(migrations: Schema.latestVersion)
}
