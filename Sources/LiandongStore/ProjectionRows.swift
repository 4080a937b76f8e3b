import Foundation
import LiandongCore

/// Writes projection rows. Every value is written in a canonical form (canonical names, lower-case
/// UUIDs, HLC as two integers, no local times) so that two nodes, or a rebuild, write
/// byte-identical rows.
///
/// Subject and lead rows, one of each for nearly every lead a bulk import or sync stores, are
/// gathered and inserted `rowsPerInsert` to a statement (`RowInserts`); `flush` inserts those
/// still gathered. Nothing reads projections while a transaction refolds, and no two objects
/// write the same row.
struct ProjectionRows {
  private var leads: [LeadProjection] = []
  private var subjects: [SubjectProjection] = []
  /// What the keys alerts stand on may need from the subjects and leads written.
  private var alertKeys = AlertKeyCandidates()
  private static let rowsPerInsert = 32

  /// Writes an object's rows from its fold; `replacing` deletes the rows an earlier fold wrote.
  mutating func write(_ object: ObjectID, _ result: ObjectFold.Result, replacing: Bool, _ db: StoreConnection)
    throws
  {
    let id = object.description
    if replacing { try Self.delete(id, db) }
    switch result.state {
    case .subject(let subject):
      subjects.append(subject)
      alertKeys.wrote(subject, replacing: replacing)
      if subjects.count == Self.rowsPerInsert { try flushSubjects(db) }
    case .lead(let lead):
      try Self.insertDetails(lead, db)
      leads.append(lead)
      alertKeys.wrote(lead)
      if leads.count == Self.rowsPerInsert { try flushLeads(db) }
    case .evidence(let evidence): try Self.insert(evidence, db)
    case .request(let request): try Self.insert(request, db)
    case .policeTransfer(let transfer): try Self.insert(transfer, db)
    case .warning(let warning):
      try db.run(
        """
        INSERT INTO p_warnings (id, from_node, subject, lead_id, other_lead_id, sent_wall, sent_counter, audience)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """, id, warning.from.rawValue, warning.warning.subject, warning.warning.lead.description,
        warning.warning.otherLead.description, Int64(warning.sent.wallMillis), Int64(warning.sent.counter),
        warning.audience.description)
    case nil: break
    }
    if alertKeys.isFull { try flush(db) }
    for refusal in result.refusals {
      try db.run(
        """
        INSERT INTO p_refusals (change_id, op_index, object_id, origin, code, reason) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (change_id, op_index) DO UPDATE SET object_id = excluded.object_id, origin = excluded.origin,
          code = excluded.code, reason = excluded.reason
        """,
        refusal.change, refusal.index, refusal.objectID, refusal.origin, refusal.code, refusal.reason)
    }
  }

  private static func delete(_ id: String, _ db: StoreConnection) throws {
    try db.run("DELETE FROM p_subjects WHERE id = ?", id)
    try db.run("DELETE FROM p_leads WHERE id = ?", id)
    try db.run("DELETE FROM p_handoffs WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_disputes WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_designations WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_lead_handling WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_lead_notes WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_evidence WHERE id = ?", id)
    try db.run("DELETE FROM p_custody WHERE evidence_id = ?", id)
    try db.run("DELETE FROM p_requests WHERE id = ?", id)
    try db.run("DELETE FROM p_police_transfers WHERE id = ?", id)
    try db.run("DELETE FROM p_refusals WHERE object_id = ?", id)
    try db.run("DELETE FROM p_evidence_shares WHERE evidence_id = ?", id)
    try db.run("DELETE FROM p_shared_history WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_handoff_heads WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_handoff_conflicts WHERE lead_id = ?", id)
    try db.run("DELETE FROM p_warnings WHERE id = ?", id)
  }

  /// Inserts the subject and lead rows still gathered, and enters the keys alerts stand on that
  /// the rows written call for.
  mutating func flush(_ db: StoreConnection) throws {
    try flushSubjects(db)
    try flushLeads(db)
    try alertKeys.enter(db)
  }

  private mutating func flushSubjects(_ db: StoreConnection) throws {
    switch db {
    case .sqlite: try db.insert(subjects, with: Self.subjectTable, bind: Self.bind)
    case .postgres:
      try db.insert(subjects, with: Self.hubSubjectTable) { subject, row in
        try Self.bind(subject, &row)
        try row.bind(SearchKeys.literal(of: subject.record.name))
      }
    }
    subjects = []
  }

  private mutating func flushLeads(_ db: StoreConnection) throws {
    switch db {
    case .sqlite: try db.insert(leads, with: Self.leadTable, bind: Self.bind)
    case .postgres:
      try db.insert(leads, with: Self.hubLeadTable) { lead, row in
        try Self.bind(lead, &row)
        try row.bind(SearchKeys.literal(of: lead.fields.summary))
      }
    }
    leads = []
  }

  /// The columns of `p_subjects` and of `p_leads` on both engines, in the tables' order: what
  /// the read models and the projection digest read (`columns(of:)`). A hub's tables also hold
  /// the keys its search looks texts up by (`SearchKeys`), which are not projections.
  private static let subjectColumns = [
    "id", "origin", "kind", "name", "uscc", "registered_division", "business_division", "platform", "shop_id",
    "url", "created_wall", "created_counter", "audience",
  ]
  private static let leadColumns = [
    "id", "origin", "owner", "state", "source", "violations", "subject_ids", "product_category", "summary",
    "risk", "source_reliability", "information_reliability", "reporter_real_name", "created_by",
    "created_wall", "created_counter", "updated_wall", "updated_counter", "audience",
  ]

  /// What a query selects to read `table`'s projection rows: each column named for `p_subjects`
  /// and `p_leads` (`subjectColumns`, `leadColumns`), `table.*` for any other.
  static func columns(of table: String) -> String {
    switch table {
    case "p_leads": leadSelection
    case "p_subjects": subjectSelection
    default: "\(table).*"
    }
  }
  private static let leadSelection = leadColumns.map { "p_leads.\($0)" }.joined(separator: ", ")
  private static let subjectSelection = subjectColumns.map { "p_subjects.\($0)" }.joined(separator: ", ")

  private static let subjectTable = RowInserts(
    "p_subjects", rowsPerStatement: rowsPerInsert, columns: subjectColumns)
  private static let hubSubjectTable = RowInserts(
    "p_subjects", rowsPerStatement: rowsPerInsert, columns: subjectColumns + [SearchKeys.column("name")])

  private static func bind(_ subject: SubjectProjection, _ row: inout StorePlaceholders) throws {
    let record = subject.record
    try row.bind(subject.id.description)
    try row.bind(subject.origin.rawValue)
    try row.bind(record.kind.rawValue)
    try row.bind(record.name)
    try row.bind(record.uscc)
    try row.bind(record.registeredDivision)
    try row.bind(record.businessDivision)
    try row.bind(record.platform)
    try row.bind(record.shopID)
    try row.bind(record.url)
    try row.bind(Int64(subject.created.wallMillis))
    try row.bind(Int64(subject.created.counter))
    try row.bind(subject.audience.description)
  }

  private static let leadTable = RowInserts("p_leads", rowsPerStatement: rowsPerInsert, columns: leadColumns)
  private static let hubLeadTable = RowInserts(
    "p_leads", rowsPerStatement: rowsPerInsert, columns: leadColumns + [SearchKeys.column("summary")])

  private static func bind(_ lead: LeadProjection, _ row: inout StorePlaceholders) throws {
    let fields = lead.fields
    try row.bind(lead.id.description)
    try row.bind(lead.origin.rawValue)
    try row.bind(lead.owner.rawValue)
    try row.bind(lead.state.rawValue)
    try row.bind(fields.source.rawValue)
    try row.bind(fields.violations.map(\.rawValue).joined(separator: ","))
    try row.bind(fields.subjectIDs.map(\.description).joined(separator: ","))
    try row.bind(fields.productCategory)
    try row.bind(fields.summary)
    try row.bind(fields.risk.rawValue)
    try row.bind(fields.sourceReliability.rawValue)
    try row.bind(fields.informationReliability)
    try row.bind(fields.reporterRealName)
    try row.bind(lead.createdBy)
    try row.bind(Int64(lead.created.wallMillis))
    try row.bind(Int64(lead.created.counter))
    try row.bind(Int64(lead.updated.wallMillis))
    try row.bind(Int64(lead.updated.counter))
    try row.bind(lead.audience.description)
  }

  /// A lead's rows other than its `p_leads` row.
  private static func insertDetails(_ lead: LeadProjection, _ db: StoreConnection) throws {
    for handling in lead.handling.values.sorted(by: { $0.bureau < $1.bureau }) {
      try db.run(
        """
        INSERT INTO p_lead_handling (lead_id, bureau, state, acknowledged_wall, acknowledged_counter, extended, outcome,
          case_reference, note, updated_wall, updated_counter)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, lead.id.description, handling.bureau.rawValue, handling.state.rawValue,
        handling.acknowledged.map { Int64($0.wallMillis) }, handling.acknowledged.map { Int64($0.counter) },
        handling.extended, handling.outcome?.rawValue, handling.caseReference, handling.note,
        Int64(handling.updated.wallMillis), Int64(handling.updated.counter))
    }
    if lead.mergedInto != nil || lead.withdrawalNote != nil {
      try db.run(
        "INSERT INTO p_lead_notes (lead_id, merged_into, withdrawal_note) VALUES (?, ?, ?)",
        lead.id.description, lead.mergedInto?.description, lead.withdrawalNote)
    }
    if let dispute = lead.dispute {
      try db.run(
        """
        INSERT INTO p_disputes (lead_id, owner, claimant, reason, since_wall, since_counter)
        VALUES (?, ?, ?, ?, ?, ?)
        """, lead.id.description, dispute.owner.rawValue, dispute.claimant.rawValue, dispute.reason,
        Int64(dispute.since.wallMillis), Int64(dispute.since.counter))
    }
    try insertHandOffExtras(lead, db)
    guard let handOff = lead.handOff else { return }
    try db.run(
      """
      INSERT INTO p_handoffs (lead_id, from_node, to_node, state, letter, evidence_ids, reason, offered_wall,
        offered_counter, decided_wall, decided_counter, received_by_handoff)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, lead.id.description, handOff.from.rawValue, handOff.to.rawValue, handOff.state.rawValue,
      handOff.letter,
      handOff.evidenceIDs.map(\.description).joined(separator: ","), handOff.reason,
      Int64(handOff.offered.wallMillis), Int64(handOff.offered.counter),
      handOff.decided.map { Int64($0.wallMillis) },
      handOff.decided.map { Int64($0.counter) }, lead.receivedByHandOff)
    if let superior = handOff.designatedBy {
      try db.run(
        "INSERT INTO p_designations (lead_id, superior) VALUES (?, ?)", lead.id.description, superior.rawValue
      )
    }
  }

  private static func insert(_ evidence: EvidenceProjection, _ db: StoreConnection) throws {
    let record = evidence.record
    try db.run(
      """
      INSERT INTO p_evidence (id, origin, item_id, category, original, how_fixed, fixed_by, tool, source_url,
        captured_at, file_name, media_type, size, sha256, description, added_by, added_wall, added_counter,
        audience)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, evidence.id.description, evidence.origin.rawValue, record.itemID.description,
      record.category.rawValue,
      record.original, record.howFixed?.rawValue, record.fixedBy, record.tool, record.sourceURL,
      record.capturedAt, record.fileName, record.mediaType, Int64(clamping: record.size), record.sha256.hex,
      record.description, evidence.addedBy, Int64(evidence.added.wallMillis), Int64(evidence.added.counter),
      evidence.audience.description)
    for node in evidence.sharedWith.sorted() {
      try db.run(
        "INSERT INTO p_evidence_shares (evidence_id, node) VALUES (?, ?)", evidence.id.description,
        node.rawValue)
    }
    for entry in evidence.custody {
      try db.run(
        """
        INSERT INTO p_custody (evidence_id, change_id, op_index, node, officer, time_wall, time_counter, event, note,
          hash_matched, holder)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, evidence.id.description, entry.ref.change.hex, entry.ref.index, entry.node.rawValue,
        entry.officer,
        Int64(entry.time.wallMillis), Int64(entry.time.counter), entry.record.event.rawValue,
        entry.record.note,
        entry.record.hashMatched, entry.record.holder)
    }
  }

  private static func insert(_ request: RequestProjection, _ db: StoreConnection) throws {
    let record = request.record
    let status = request.status
    // A conflict as its acts: "act@ref by node", in fold order.
    let conflict = request.conflict.map {
      $0.acts.map { "\($0.act.name)@\($0.ref) by \($0.origin)" }.joined(separator: "; ")
    }
    try db.run(
      """
      INSERT INTO p_requests (id, requester, requested, case_reference, legal_basis, tasks, details, evidence_ids,
        wanted_by, created_by, created_wall, created_counter, audience, state, acknowledged_wall,
        acknowledged_counter, extension_days, extension_reason, findings, outcome_evidence, reason, conflict, head,
        updated_wall, updated_counter)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, request.id.description, request.requester.rawValue, record.requested.rawValue,
      record.caseReference,
      record.legalBasis, record.tasks.map(\.rawValue).joined(separator: ","), record.details,
      record.evidenceIDs.map(\.description).joined(separator: ","), record.wantedBy?.description,
      request.createdBy, Int64(request.created.wallMillis), Int64(request.created.counter),
      request.audience.description, status.state.rawValue, status.acknowledged.map { Int64($0.wallMillis) },
      status.acknowledged.map { Int64($0.counter) }, status.extensionWorkingDays, status.extensionReason,
      status.findings, status.outcomeEvidence.map(\.description).joined(separator: ","), status.reason,
      conflict,
      request.head.description, Int64(request.updated.wallMillis), Int64(request.updated.counter))
  }

  private static func insert(_ transfer: PoliceTransferProjection, _ db: StoreConnection) throws {
    let package = transfer.package
    try db.run(
      """
      INSERT INTO p_police_transfers (id, bureau, case_id, police, reported_on, letter, investigation_report,
        items_list, test_reports, state, approved_wall, transferred_wall, police_decided_wall, note, audience,
        updated_wall, updated_counter)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, transfer.id.description, transfer.bureau.rawValue, transfer.caseID.description, transfer.police,
      transfer.reportedOn.description, package.letter.description, package.investigationReport.description,
      package.itemsList.description, package.testReports.map(\.description).joined(separator: ","),
      transfer.state.rawValue, transfer.approved.map { Int64($0.wallMillis) },
      transfer.transferred.map { Int64($0.wallMillis) },
      transfer.policeDecided.map { Int64($0.wallMillis) },
      transfer.note, transfer.audience.description, Int64(transfer.updated.wallMillis),
      Int64(transfer.updated.counter))
  }

  /// The basis for the next hand-off act, an open hand-off conflict, and the history shared by
  /// the bureau that handed the case off.
  private static func insertHandOffExtras(_ lead: LeadProjection, _ db: StoreConnection) throws {
    let id = lead.id.description
    if let head = lead.handOffHead {
      try db.run(
        "INSERT INTO p_handoff_heads (lead_id, head) VALUES (?, ?)", id, head.description)
    }
    for step in lead.handOffConflict?.acts ?? [] {
      try db.run(
        """
        INSERT INTO p_handoff_conflicts (lead_id, operation, node, act, time_wall, time_counter)
        VALUES (?, ?, ?, ?, ?, ?)
        """, id, step.ref.description, step.record.origin.rawValue, step.act?.name ?? "?",
        Int64(step.record.order.time.wallMillis), Int64(step.record.order.time.counter))
    }
    for (position, entry) in lead.sharedHistory.enumerated() {
      try db.run(
        """
        INSERT INTO p_shared_history (lead_id, position, time, node, officer, what, operation, shared_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """, id, position, entry.time, entry.node, entry.officer, entry.what, entry.operation,
        entry.sharedBy?.rawValue ?? "")
    }
  }
}
