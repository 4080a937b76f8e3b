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

  /// Every lead's.
  init(all db: Database) throws { try self.init(db, filter: "", arguments: []) }

  /// One lead's.
  init(of lead: String, _ db: Database) throws {
    try self.init(db, filter: " WHERE lead_id = ?", arguments: [lead])
  }

  private init(_ db: Database, filter: String, arguments: StatementArguments) throws {
    func rows(_ table: String, orderedBy order: String = "lead_id") throws -> [Row] {
      try Row.fetchAll(
        db.cachedStatement(sql: "SELECT * FROM \(table)\(filter) ORDER BY \(order)"), arguments: arguments)
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
