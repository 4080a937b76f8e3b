import GRDB

/// What the other projection tables hold about leads, by lead ID: the hand-off and the superior
/// who designated it, notes, each bureau's handling, a dispute, the hand-off head. A listing of
/// every lead reads each table once; a query per table per lead made `liandong due`, `alerts`,
/// `report` and `lead list` take most of a minute on a node of 200,000 leads.
struct LeadRelations {
  private(set) var handOffs: [String: Row] = [:]
  private(set) var designations: [String: String] = [:]
  private(set) var notes: [String: Row] = [:]
  private(set) var handling: [String: [Row]] = [:]
  private(set) var disputes: [String: Row] = [:]
  private(set) var handOffHeads: [String: String] = [:]
  /// The leads' subjects by ID, when read with them (a page's), else each is read as needed.
  private(set) var subjects: [String: SubjectView]? = nil

  /// Every lead's.
  init(all db: Database) throws { try self.init(db, filter: "", arguments: []) }

  /// One lead's.
  init(of lead: String, _ db: Database) throws {
    try self.init(db, filter: " WHERE lead_id = ?", arguments: [lead])
  }

  /// A page's leads' (`rows` of `p_leads`), and their subjects, in a few statements rather than
  /// a few for each lead: a page of 50 leads read 300 statements that way.
  init(ofPage rows: [Row], _ db: Database) throws {
    let ids = rows.map { $0["id"] as String }
    let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
    try self.init(
      db, filter: " WHERE lead_id IN (\(marks))", arguments: StatementArguments(ids), cached: false)
    let subjectIDs = Set(
      rows.flatMap { ($0["subject_ids"] as String).split(separator: ",").map(String.init) })
    var subjects: [String: SubjectView] = [:]
    if !subjectIDs.isEmpty {
      let marks = Array(repeating: "?", count: subjectIDs.count).joined(separator: ",")
      for row in try Row.fetchAll(
        db, sql: "SELECT * FROM p_subjects WHERE id IN (\(marks))",
        arguments: StatementArguments(Array(subjectIDs)))
      {
        let subject = try NodeStore.subjectView(row)
        subjects[subject.id] = subject
      }
    }
    self.subjects = subjects
  }

  private init(_ db: Database, filter: String, arguments: StatementArguments, cached: Bool = true) throws {
    func rows(_ table: String, orderedBy order: String = "lead_id") throws -> [Row] {
      let sql = "SELECT * FROM \(table)\(filter) ORDER BY \(order)"
      return try Row.fetchAll(
        cached ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql), arguments: arguments)
    }
    for row in try rows("p_handoffs") { handOffs[row["lead_id"]] = row }
    for row in try rows("p_designations") { designations[row["lead_id"]] = row["superior"] }
    for row in try rows("p_lead_notes") { notes[row["lead_id"]] = row }
    for row in try rows("p_lead_handling", orderedBy: "lead_id, bureau") {
      handling[row["lead_id"], default: []].append(row)
    }
    for row in try rows("p_disputes") { disputes[row["lead_id"]] = row }
    for row in try rows("p_handoff_heads") { handOffHeads[row["lead_id"]] = row["head"] }
  }
}
