/// What the other projection tables hold about leads, by lead ID: the hand-off and the superior
/// who designated it, notes, each bureau's handling, a dispute, the hand-off head. A listing of
/// every lead reads each table once; a query per table per lead made `liandong due`, `alerts`,
/// `report` and `lead list` take most of a minute on a node of 200,000 leads.
struct LeadRelations {
  private(set) var handOffs: [String: SQLRow] = [:]
  private(set) var designations: [String: String] = [:]
  private(set) var notes: [String: SQLRow] = [:]
  private(set) var handling: [String: [SQLRow]] = [:]
  private(set) var disputes: [String: SQLRow] = [:]
  private(set) var handOffHeads: [String: String] = [:]
  /// The leads' subjects by ID, when read with them (a page's), else each is read as needed.
  private(set) var subjects: [String: SubjectView]? = nil

  /// Every lead's.
  init(all db: StoreConnection) throws { try self.init(db, filter: "", arguments: []) }

  /// One lead's.
  init(of lead: String, _ db: StoreConnection) throws {
    try self.init(db, filter: " WHERE lead_id = ?", arguments: [lead])
  }

  /// A page's leads' (`rows` of `p_leads`), and their subjects, in a few statements rather than
  /// a few for each lead: a page of 50 leads read 300 statements that way.
  init(ofPage rows: [SQLRow], _ db: StoreConnection) throws {
    let ids = Self.padded(rows.map { $0["id"] as String })
    try self.init(db, filter: " WHERE lead_id IN (\(Self.marks(ids.count)))", arguments: ids)
    let subjectIDs = Self.padded(
      Array(Set(rows.flatMap { ($0["subject_ids"] as String).split(separator: ",").map(String.init) })))
    var subjects: [String: SubjectView] = [:]
    for row in try db.rows(
      """
      SELECT \(ProjectionRows.columns(of: "p_subjects")) FROM p_subjects
      WHERE id IN (\(Self.marks(subjectIDs.count)))
      """, binding: subjectIDs)
    {
      let subject = try SubjectView(row: row)
      subjects[subject.id] = subject
    }
    self.subjects = subjects
  }

  private init(_ db: StoreConnection, filter: String, arguments: [String]) throws {
    func rows(_ table: String, orderedBy order: String = "lead_id") throws -> [SQLRow] {
      try db.rows("SELECT * FROM \(table)\(filter) ORDER BY \(order)", binding: arguments)
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

  static func marks(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ",")
  }

  /// `ids` repeated up to a power of two (at least 8; an empty list as IDs nothing has): a
  /// statement is prepared once per connection and kept for each length of list, so the
  /// lengths are kept few.
  static func padded(_ ids: [String]) -> [String] {
    var length = 8
    while length < ids.count { length *= 2 }
    return ids + Array(repeating: ids.first ?? "", count: length - ids.count)
  }
}
