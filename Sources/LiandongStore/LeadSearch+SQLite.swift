import Foundation
import GRDB

/// How a node finds a text (`ReadModels.leadPage`): through its trigram indexes over summaries
/// and subject names (`Schema.searchIndexes`), or by testing each lead walked in page order.
extension LeadSearch {
  /// The test of each lead walked for `needle`: through what the indexes found where they could
  /// say (a lead they named), else by reading the lead's summary and its subjects.
  static func walking(_ needle: String, _ found: TextMatches) throws -> Condition {
    let pattern = "%" + escapedForLike(needle) + "%"
    var either: [Condition] = []
    either.append(
      try found.bySummary.map(rowidIsAmong) ?? ("p_leads.summary LIKE ? ESCAPE '\\'", [.text(pattern)]))
    either.append(
      try found.bySubject.map(rowidIsAmong)
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

  /// A page's source that reads the leads of these rowids alone (CROSS JOIN keeps SQLite from
  /// walking the creation index instead), for the page's query to sort.
  static func leads(among rows: Set<Int64>) throws -> Condition {
    ("json_each(?) AS matched CROSS JOIN p_leads ON p_leads.rowid = matched.value", [.text(try json(rows))])
  }

  private static func rowidIsAmong(_ rows: Set<Int64>) throws -> Condition {
    ("p_leads.rowid IN (SELECT value FROM json_each(?))", [.text(try json(rows))])
  }

  /// What the search indexes say of a text: the rowids of the leads whose summary holds it, and
  /// of those that name a subject whose name holds it or whose USCC it is. Each is nil where
  /// there are more than `few`, or where the indexes cannot say: a text of one character, or one
  /// holding U+FFFD, U+FFFE or U+FFFF (SQLite's tokenizer reads the last two, the indexes' end
  /// mark among them, as the first).
  struct TextMatches {
    var bySummary: Set<Int64>?
    var bySubject: Set<Int64>?
    /// Where more summaries than `few` hold it: the summaries' index's query for it.
    var manySummaries: String?
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
      if let rows, rows.count > few {
        found.manySummaries = summaries
      } else {
        found.bySummary = Set(rows ?? [])
      }
    }
    guard let names = try query(needle, "p_subject_search", db) else { return found }
    var subjects = try String.fetchAll(
      db, sql: "SELECT id FROM p_subjects WHERE uscc = ?", arguments: [needle.uppercased()])
    if let names { subjects += try subjectsNamed(needle, halves(needle) ?? names, atMost: few, db) }
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

  /// The ids of the subjects whose names hold `needle`, up to one more than `few`: those that
  /// hold its run of digits (`DigitRuns.key`), where fewer than `digitRunsTried` do, else those
  /// the subjects' index finds for `query`. Each name offered is tested as a walk tests it: a
  /// run of digits or the halves' query offer more than the needle.
  private static func subjectsNamed(_ needle: String, _ query: String, atMost few: Int, _ db: Database) throws
    -> [String]
  {
    let like = "%" + escapedForLike(needle) + "%"
    if let key = DigitRuns.key(of: needle) {
      let (condition, runs) = key.condition
      let held = try Int.fetchOne(
        db, sql: "SELECT count(*) FROM (SELECT 1 FROM p_subject_digits WHERE \(condition) LIMIT ?)",
        arguments: StatementArguments(runs) + [digitRunsTried + 1])
      // A run many names hold (a year) says less than the trigrams.
      if let held, held <= digitRunsTried {
        return try String.fetchAll(
          db,
          sql: """
            SELECT p_subjects.id FROM p_subject_digits JOIN p_subjects ON p_subjects.rowid = p_subject_digits.subject
            WHERE \(condition) AND p_subjects.name LIKE ? ESCAPE '\\' LIMIT ?
            """,
          arguments: StatementArguments(runs) + [like, few + 1])
      }
    }
    return try String.fetchAll(
      db,
      sql: """
        SELECT p_subjects.id FROM p_subject_search JOIN p_subjects ON p_subjects.rowid = p_subject_search.rowid
        WHERE p_subject_search MATCH ? AND p_subjects.name LIKE ? ESCAPE '\\' LIMIT ?
        """,
      arguments: [query, like, few + 1])
  }

  /// The most names holding a needle's run of digits that a search tests one by one.
  static let digitRunsTried = 1_000

  /// The rowids of the `count` leads whose summaries the index's `query` finds
  /// (`TextMatches.manySummaries`) that come first in rowid order from the side a page starts
  /// (the highest for the newest first), in that order. Rows mostly arrive in the order their
  /// leads were created, so these are mostly the page's.
  static func summariesFirst(_ query: String, count: Int, newestFirst: Bool, _ db: Database) throws
    -> [Int64]
  {
    try Int64.fetchAll(
      db,
      sql: """
        SELECT rowid FROM p_lead_search WHERE p_lead_search MATCH ?
        ORDER BY rowid \(newestFirst ? "DESC" : "ASC") LIMIT ?
        """,
      arguments: [query, count])
  }

  /// How many of `summariesFirst` a page tries, fewest first: a page's worth with room for leads
  /// that arrived out of order, then all of them.
  static func firstTaken(_ limit: Int, of count: Int) -> [Int] {
    Array(Set([min(4 * limit, count), count])).sorted()
  }

  /// Whether a lead the indexes were not asked about could come before `last` in a page of
  /// leads from the cursor on: one between the cursor and `last`, beyond `bound` in rowid order
  /// from the side the page starts, and not `known` to hold the text. Where none could, the
  /// page read among the leads the indexes named is the page. Read from the creation index
  /// alone (it holds each lead's rowid): a step of the index for each lead between, where a
  /// walk would read and test each lead (BENCHMARKS.md, B10).
  static func anyUnasked(
    before last: SQLRow, from cursor: Condition?, beyond bound: Int64, known: Set<Int64>, newestFirst: Bool,
    _ db: StoreConnection
  ) throws -> Bool {
    var conditions: [Condition] = [
      created(newestFirst ? ">" : "<", last),
      ("p_leads.rowid \(newestFirst ? "<" : ">") ?", [.integer(bound)]),
    ]
    if let cursor { conditions.append(cursor) }
    if !known.isEmpty {
      conditions.append(("p_leads.rowid NOT IN (SELECT value FROM json_each(?))", [.text(try json(known))]))
    }
    let row = try db.rows(
      """
      SELECT EXISTS (
        SELECT 1 FROM p_leads INDEXED BY p_leads_by_created WHERE \(conditions.map(\.sql).joined(separator: " AND "))
      ) AS unasked
      """, binding: conditions.flatMap(\.arguments)
    ).first
    return row?["unasked"] != .integer(0)
  }

  /// The full-text query that finds `needle` in the trigram index `table`: the needle as a
  /// phrase (its trigrams one after another), or for a needle of two characters, any of the
  /// index's trigrams that begin with it (every text is indexed with an end mark, so its last
  /// two characters begin one too). The inner nil when no text holds it; nil when too many
  /// trigrams begin with it to ask for each.
  private static func query(_ needle: String, _ table: String, _ db: Database) throws -> String?? {
    guard needle.unicodeScalars.count == 2 else { return .some(quoted(needle)) }
    let terms = try String.fetchAll(
      db, sql: "SELECT term FROM \(table)_terms WHERE term >= ? AND term < ? LIMIT ?",
      arguments: [needle, needle + "\u{10FFFF}", trigramsAskedFor + 1])
    guard terms.count <= trigramsAskedFor else { return nil }
    return .some(terms.isEmpty ? nil : terms.map(quoted).joined(separator: " OR "))
  }

  /// The subjects' index's query for a needle of six characters or more: its two halves, which
  /// overlap by two characters so that each of its trigrams lies in one, as phrases a name must
  /// both hold. More names hold them than the needle, so what it finds must be tested. A phrase
  /// of the whole needle seeks the list of each of its trigrams at every name its rarer
  /// trigrams offer, and a trigram most names hold (as every name of a chain of shops holds its
  /// brand) has a list as long as the index; the rarer half offers few names (BENCHMARKS.md, B9).
  static func halves(_ needle: String) -> String? {
    let scalars = Array(needle.unicodeScalars)
    guard scalars.count >= 6 else { return nil }
    func phrase(_ part: ArraySlice<Unicode.Scalar>) -> String {
      quoted(String(String.UnicodeScalarView(part)))
    }
    let middle = scalars.count / 2
    return phrase(scalars[..<(middle + 1)]) + " AND " + phrase(scalars[(middle - 1)...])
  }

  /// `text` as a phrase of a full-text query.
  private static func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// The most trigrams a two-character search asks the index for, one by one.
  static let trigramsAskedFor = 200
}
