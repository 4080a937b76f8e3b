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
  /// and `LIKE` fold them; other scripts' capitals are left as they are).
  public static func folded(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.trimmingCharacters(in: .whitespaces).unicodeScalars.map { scalar in
          ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
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

extension NodeStore {
  /// The newest leads that match `filter` (the oldest, if it asks), created before (after) the
  /// lead `afterID` (the last of the page before; nil for the first page), at most `limit`. Read through the index on creation
  /// time, so a page costs what it returns and what the filter skips, not the whole store.
  /// Nil when `afterID` names no lead held.
  public func leadPage(_ filter: LeadFilter, after afterID: String?, limit: Int) throws -> [LeadView]? {
    try leadPage(filter, after: afterID, limit: limit, gatheringAtMost: Self.fewMatches)
  }

  /// `leadPage`, a text search reading the matching leads when there are at most `few` (a test
  /// sets it to hold both ways of searching to one answer).
  func leadPage(_ filter: LeadFilter, after afterID: String?, limit: Int, gatheringAtMost few: Int) throws
    -> [LeadView]?
  {
    try read { db in
      var source = "p_leads"
      var conditions: [String] = []
      var arguments: [any DatabaseValueConvertible] = []
      for (column, value) in [
        ("state", filter.state), ("risk", filter.risk), ("origin", filter.origin), ("owner", filter.owner),
      ] {
        guard let value else { continue }
        conditions.append("p_leads.\(column) = ?")
        arguments.append(value)
      }
      for (bound, value) in [(">=", filter.createdFrom), ("<", filter.createdBefore)] {
        guard let value else { continue }
        conditions.append("p_leads.created_wall \(bound) ?")
        arguments.append(value)
      }
      if let violation = filter.violation {
        conditions.append("instr(',' || p_leads.violations || ',', ?) > 0")
        arguments.append(",\(violation),")
      }
      if let needle = filter.text.map(LeadFilter.folded), !needle.isEmpty {
        if let matched = try Self.leadsMatching(needle, atMost: few, db) {
          // Few leads hold the text: read those (CROSS JOIN keeps SQLite from walking the index
          // instead), then sort them.
          source = "json_each(?) AS matched CROSS JOIN p_leads ON p_leads.rowid = matched.value"
          arguments.insert(String(decoding: try JSONEncoder().encode(matched), as: UTF8.self), at: 0)
        } else {
          // Many do: walk the index in page order and test each lead, so the page fills soon.
          let pattern = "%" + Self.escapedForLike(needle) + "%"
          conditions.append(
            """
            (p_leads.summary LIKE ? ESCAPE '\\' OR EXISTS (
              SELECT 1 FROM json_each(\(Schema.subjectIDsAsJSON("p_leads"))) AS named
              JOIN p_subjects ON p_subjects.id = named.value
              WHERE p_subjects.name LIKE ? ESCAPE '\\' OR p_subjects.uscc = ?))
            """)
          arguments += [pattern, pattern, needle.uppercased()]
        }
      }
      if let afterID {
        guard
          let row = try Row.fetchOne(
            db, sql: "SELECT created_wall, created_counter FROM p_leads WHERE id = ?", arguments: [afterID])
        else { return nil }
        conditions.append(
          "(p_leads.created_wall, p_leads.created_counter, p_leads.id) \(filter.oldestFirst ? ">" : "<") (?, ?, ?)"
        )
        arguments += [row["created_wall"] as Int64, row["created_counter"] as Int64, afterID]
      }
      let condition = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
      let direction = filter.oldestFirst ? "ASC" : "DESC"
      let rows = try Row.fetchAll(
        db,
        sql:
          """
          SELECT p_leads.* FROM \(source)\(condition)
          ORDER BY p_leads.created_wall \(direction), p_leads.created_counter \(direction), p_leads.id \(direction)
          LIMIT ?
          """,
        arguments: StatementArguments(arguments + [limit]))
      return try rows.map { row in try leadView(row, LeadRelations(of: row["id"], db), db) }
    }
  }

  /// Moves what the search indexes owe (`p_search_owed`, written by the triggers on the lead and
  /// subject rows) into them: for each index one statement that removes the rows touched and one
  /// that adds their texts now. Run before every write transaction commits, so no reader sees an
  /// index behind its rows.
  static func settleSearchIndexes(_ db: Database) throws {
    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM p_search_owed)") == true else { return }
    for statement in searchSettlement { try db.execute(sql: statement) }
  }

  /// The statements that settle the search indexes' debts (`settleSearchIndexes`); public for
  /// the benchmark that writes a node's rows into bare SQLite.
  public static let searchSettlement: [String] =
    [("p_lead_search", "summary"), ("p_subject_search", "name")].flatMap { index, column in
      [
        "DELETE FROM \(index) WHERE rowid IN (SELECT row FROM p_search_owed WHERE search = '\(index)')",
        """
        INSERT INTO \(index) (rowid, \(column))
        SELECT row, text FROM p_search_owed WHERE search = '\(index)' AND text IS NOT NULL
        """,
      ]
    } + ["DELETE FROM p_search_owed"]

  /// The most leads a text search gathers before it reads them: above it, walking the creation
  /// index and testing each lead fills a page sooner (a page of 50 among 100,000 leads then
  /// tests about 2,500).
  static let fewMatches = 2_000

  /// The rowids of the leads whose summary, or a subject's name, contains `needle` (folded), or
  /// that name a subject whose USCC it is; nil when there are more than `few`, or when the
  /// indexes cannot answer: a needle of one character, or one holding the indexes' end mark.
  private static func leadsMatching(_ needle: String, atMost few: Int, _ db: Database) throws -> Set<Int64>? {
    let length = needle.unicodeScalars.count
    guard length >= 2, !needle.unicodeScalars.contains(Schema.searchEndMark) else { return nil }
    guard let summaries = try query(needle, "p_lead_search", db),
      let names = try query(needle, "p_subject_search", db)
    else { return nil }
    var leads = Set<Int64>()
    if let summaries {
      leads.formUnion(
        try Int64.fetchAll(
          db, sql: "SELECT rowid FROM p_lead_search WHERE p_lead_search MATCH ? LIMIT ?",
          arguments: [summaries, few + 1]))
    }
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
    guard leads.count <= few, subjects.count <= few else { return nil }
    let naming = try Int64.fetchAll(
      db,
      sql: """
        SELECT p_leads.rowid FROM p_lead_subjects JOIN p_leads ON p_leads.id = p_lead_subjects.lead_id
        WHERE p_lead_subjects.subject_id IN (SELECT value FROM json_each(?)) LIMIT ?
        """,
      arguments: [String(decoding: try JSONEncoder().encode(subjects), as: UTF8.self), few + 1])
    leads.formUnion(naming)
    return leads.count <= few ? leads : nil
  }

  /// The full-text query that finds `needle` in the trigram index `table`: the needle as a
  /// phrase, or for a needle of two characters, any of the index's trigrams that begin with it
  /// (every text is indexed with an end mark, so its last two characters begin one too). The
  /// inner nil when no text holds it; nil when too many trigrams begin with it to ask for each.
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
