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

  /// The most leads a text search gathers before it reads them: above it, walking the creation
  /// index and testing each lead fills a page sooner (a page of 50 among 100,000 leads then
  /// tests about 2,500).
  static let fewMatches = 2_000

  /// The rowids of the leads whose summary, or a subject's name, contains `needle` (folded), or
  /// that name a subject whose USCC it is; nil when there are more than `few`, or when `needle`
  /// is shorter than the three characters a trigram index can find.
  private static func leadsMatching(_ needle: String, atMost few: Int, _ db: Database) throws -> Set<Int64>? {
    guard needle.unicodeScalars.count >= 3 else { return nil }
    let phrase = "\"" + needle.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    var leads = Set(
      try Int64.fetchAll(
        db, sql: "SELECT rowid FROM p_lead_search WHERE p_lead_search MATCH ? LIMIT ?",
        arguments: [phrase, few + 1]))
    let subjects = try String.fetchAll(
      db,
      sql: """
        SELECT id FROM p_subjects WHERE rowid IN (
          SELECT rowid FROM p_subject_search WHERE p_subject_search MATCH ? LIMIT ?)
        UNION SELECT id FROM p_subjects WHERE uscc = ?
        """, arguments: [phrase, few + 1, needle.uppercased()])
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

  /// `text` with LIKE's wildcards and the escape character taken literally.
  static func escapedForLike(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }
}
