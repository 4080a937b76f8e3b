import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

extension ChangeLog where Self: SQLBackedStore {
  /// Every change held, oldest first in the replay order.
  public func log() throws -> [ChangeSummary] {
    try snapshot { db in
      try db.rows("SELECT header, signature, body FROM changes ORDER BY hlc_wall, hlc_counter, origin, id")
        .map {
          row throws -> ChangeSummary in
          let change = try SignedChange(
            headerBytes: row["header"], signature: row["signature"], body: row["body"])
          let body = change.decodedBody()
          return ChangeSummary(
            id: change.id.hex, origin: change.header.origin.rawValue, sequence: change.header.sequence,
            time: change.header.time.iso8601, hlc: change.header.time.description,
            audience: change.header.audience.description, stub: change.isStub, officer: body?.officer,
            signer: change.header.signerSHA256.hex,
            operations: body?.operations.map { NodeStore.describe($0, in: change.header.suite) } ?? [])
        }
    }
  }

  public func forks() throws -> [ForkView] {
    try snapshot { db in
      let decisions = try LogTables.forkDecisions(db)
      return try db.rows("SELECT * FROM fork_proofs ORDER BY origin, sequence").map {
        let origin: String = $0["origin"]
        let sequence = UInt64($0["sequence"] as Int64)
        let node = try? NodeID(origin)
        return ForkView(
          origin: origin, sequence: sequence, heldChange: ($0["held_id"] as Data).hex,
          otherChange: ($0["other_id"] as Data).hex, detectedAt: $0["detected_at"],
          kept: node.flatMap { decisions.kept(origin: $0, sequence: sequence)?.hex },
          decidedBy: node.flatMap { decisions.decider(origin: $0, sequence: sequence)?.rawValue },
          contested: node.map { decisions.isContested(origin: $0, sequence: sequence) } ?? false)
      }
    }
  }
}

extension NodeStore {
  /// One line for an operation of a change in `suite`, whose hash names manifests and lists.
  static func describe(_ operation: DomainOperation, in suite: CryptoSuite) -> String {
    switch operation.action {
    case .announceNode(let chain): "announce-node (\(chain.count) certificate(s))"
    case .publishManifest(let signed):
      "publish-manifest version \(signed.manifest.map { "\($0.version)" } ?? "?") \(suite.digest.rawValue):\(suite.digest.hash(signed.document).hex.prefix(12))"
    case .publishRevocationLists(let lists):
      "publish-crl \((try? lists.map(RevocationList.init(der:))).map { RevocationListRank($0, digest: suite.digest).description } ?? "(unreadable)")"
    case .correctClock: "correct-clock (earlier changes stamped later than this one take its time)"
    case .createSubject(let subject): "create-subject \(operation.objectID) \(subject.name)"
    case .createLead: "create-lead \(operation.objectID)"
    case .leadAct(let act): "\(act.name) lead \(operation.objectID)"
    case .policeTransfer(let act): "\(act.name) transfer to police \(operation.objectID)"
    case .warnOfSubject(let warning):
      "warn of \(warning.subject): lead \(warning.lead) beside \(warning.otherLead)"
    case .shareEvidence(let share):
      "share-evidence \(operation.objectID) \(suite.digest.rawValue):\(share.record.sha256.hex.prefix(12))"
    case .handOff(let act, _):
      switch act {
      case .offer(let to, _, _, _, _): "hand-off offer of case \(operation.objectID) to \(to)"
      case .designate(let to, _, _): "designate \(to) for case \(operation.objectID)"
      default: "hand-off \(act.name) case \(operation.objectID)"
      }
    case .recordCustody(let custody): "custody \(custody.event.rawValue) evidence \(operation.objectID)"
    case .createRequest(let request):
      "create-request \(operation.objectID) to \(request.requested) (\(request.caseReference))"
    case .actOnRequest(let act, _): "\(act.name) request \(operation.objectID)"
    case .addEvidence(let evidence):
      "add-evidence \(operation.objectID) \(evidence.fileName) \(suite.digest.rawValue):\(evidence.sha256.hex.prefix(12))"
    case .updateLead: "update-lead \(operation.objectID)"
    case .unreadable(let reason): "unreadable (\(reason))"
    }
  }
}

extension SubjectView {
  init(row: SQLRow) throws {
    self.init(
      id: row["id"], origin: row["origin"], kind: try SubjectKind(canonical: row["kind"]), name: row["name"],
      uscc: row["uscc"],
      registeredDivision: row["registered_division"], businessDivision: row["business_division"],
      platform: row["platform"], shopID: row["shop_id"], url: row["url"], audience: row["audience"])
  }
}

/// The read models, written once for both engines: the projections' rows read on one consistent
/// view of the store (`snapshot`) and turned into the views every front end shows.
extension ReadModels where Self: SQLBackedStore {
  /// What a query of `p_leads` selects to read a lead's row.
  static var leadColumns: String { ProjectionRows.columns(of: "p_leads") }

  static func subject(_ id: String, _ db: StoreConnection) throws -> SubjectView? {
    try db.firstRow("SELECT \(ProjectionRows.columns(of: "p_subjects")) FROM p_subjects WHERE id = ?", id)
      .map(SubjectView.init(row:))
  }

  public func leads() throws -> [LeadView] {
    try snapshot { db in
      let related = try LeadRelations(all: db)
      let rows = try db.rows(
        "SELECT \(Self.leadColumns) FROM p_leads ORDER BY created_wall, created_counter, id")
      return try rows.map { try Self.leadView($0, related, db) }
    }
  }

  /// The leads that may have work open on them, oldest first: sent to bureaus by name and not
  /// yet decided (published, acknowledged, checking), with a bureau acknowledged or checking, a
  /// hand-off offered or objected, or a jurisdiction disputed. What the worklist and the due
  /// list read, rather than every lead the node has held for years: a decided, closed or
  /// withdrawn lead asks nothing of anyone, nor does one shared with all or kept to its origin
  /// (it names no bureau to acknowledge or decide it) unless a bureau took it up. Each part is
  /// read through an index of just those rows (`Schema.readIndexes`), so the lists cost the
  /// work they show, not the leads a bulk import shared with all.
  public func leadsWithOpenWork() throws -> [LeadView] {
    try snapshot { db in
      let rows = try db.rows(
        """
        SELECT \(Self.leadColumns) FROM p_leads WHERE (\(OpenWork.awaiting))
          OR id IN (SELECT lead_id FROM p_lead_handling WHERE \(OpenWork.handling))
          OR id IN (SELECT lead_id FROM p_handoffs WHERE \(OpenWork.handOff))
          OR id IN (SELECT lead_id FROM p_disputes)
        ORDER BY created_wall, created_counter, id
        """)
      return try Self.leadViews(rows, db)
    }
  }

  /// The open leads naming a subject on a key two origins have used (`AlertKeys`), and those
  /// `warned` names, oldest first: every lead an alert can pair (`EarlyWarning.alerts`), read
  /// through the subjects on those keys rather than from every lead.
  public func leadsForAlerts(alsoNaming warned: [String]) throws -> [LeadView] {
    let open = OpenWork.quoted(EarlyWarning.openStates.map(\.rawValue).sorted())
    return try snapshot { db in
      // On SQLite the leads are read by rowid, not through the index of leads by state, which
      // holds every open lead.
      let (leads, named): (String, String)
      switch db {
      case .sqlite:
        leads = "p_leads NOT INDEXED"
        named = """
          rowid IN (
            SELECT lead FROM p_lead_subjects WHERE subject_id IN (\(AlertKeys.subjectsOnKeys))
            UNION SELECT rowid FROM p_leads WHERE id IN (\(AlertKeys.ids(inJSON: .sqlite))))
          """
      case .postgres:
        leads = "p_leads"
        named = """
          id IN (
            SELECT id FROM p_leads
            WHERE string_to_array(subject_ids, ',') && ARRAY(\(AlertKeys.subjectsOnKeys))
            UNION \(AlertKeys.ids(inJSON: .postgres)))
          """
      }
      let rows = try db.rows(
        """
        SELECT \(Self.leadColumns) FROM \(leads) WHERE \(named) AND state IN (\(open))
        ORDER BY created_wall, created_counter, id
        """, try LeadSearch.json(warned))
      return try Self.leadViews(rows, db)
    }
  }

  /// The views of the leads of `rows`, with their relations: a few thousand leads' by their
  /// IDs; past that, each table read once costs less than a long list of IDs (whose length
  /// SQLite bounds).
  static func leadViews(_ rows: [SQLRow], _ db: StoreConnection) throws -> [LeadView] {
    let related = rows.count <= 2_000 ? try LeadRelations(ofPage: rows, db) : try LeadRelations(all: db)
    return try rows.map { try leadView($0, related, db) }
  }

  /// Read through the creation index and the indexes of each bureau's handling by day
  /// (`Schema.readIndexes`): a report over a month costs that month's leads, not the store's.
  public func leads(touchedBy bureau: String, on days: ClosedRange<CivilDate>) throws -> [LeadView] {
    let (start, end) = Self.millis(of: days)
    return try snapshot { db in
      let rows = try db.rows(
        """
        SELECT \(Self.leadColumns) FROM p_leads WHERE (origin = ? AND created_wall >= ? AND created_wall < ?)
          OR id IN (
            SELECT lead_id FROM p_lead_handling WHERE bureau = ? AND updated_wall >= ? AND updated_wall < ?
            UNION SELECT lead_id FROM p_lead_handling
            WHERE bureau = ? AND acknowledged_wall >= ? AND acknowledged_wall < ?)
        ORDER BY created_wall, created_counter, id
        """, bureau, start, end, bureau, start, end, bureau, start, end)
      return try Self.leadViews(rows, db)
    }
  }

  /// The first millisecond of `days` and the first after them, as the projections store times.
  static func millis(of days: ClosedRange<CivilDate>) -> (Int64, Int64) {
    (days.lowerBound.chinaStartMillis, days.upperBound.adding(days: 1).chinaStartMillis)
  }

  public func lead(_ id: String) throws -> LeadView? {
    try snapshot { db in
      try db.firstRow("SELECT \(Self.leadColumns) FROM p_leads WHERE id = ?", id).map {
        try Self.leadView($0, LeadRelations(of: id, db), db)
      }
    }
  }

  static func leadView(_ row: SQLRow, _ related: LeadRelations, _ db: StoreConnection) throws -> LeadView {
    func time(_ prefix: String) -> String {
      HLCTimestamp(
        wallMillis: UInt64(row["\(prefix)_wall"] as Int64), counter: UInt32(row["\(prefix)_counter"] as Int64)
      )
      .iso8601
    }
    func day(_ millis: Int64) -> CivilDate { CivilDate(chinaDayOf: UInt64(millis)) }
    let id: String = row["id"]
    let subjectIDs = (row["subject_ids"] as String).split(separator: ",").map(String.init)
    let handOff = related.handOffs[id]
    let notes = related.notes[id]
    return LeadView(
      id: id, origin: row["origin"], owner: row["owner"], state: try LeadState(canonical: row["state"]),
      source: try LeadSource(canonical: row["source"]),
      violations: try (row["violations"] as String).split(separator: ",").map {
        try Violation(canonical: String($0))
      },
      subjects: try related.subjects.map { known in subjectIDs.compactMap { known[$0] } }
        ?? subjectIDs.compactMap { try subject($0, db) }, productCategory: row["product_category"],
      summary: row["summary"], risk: try RiskLevel(canonical: row["risk"]),
      sourceReliability: try SourceReliability(canonical: row["source_reliability"]),
      informationReliability: row["information_reliability"], reporterRealName: row["reporter_real_name"],
      createdBy: row["created_by"], created: time("created"), updated: time("updated"),
      audience: row["audience"],
      handOff: try handOff.map { handOff in
        HandOffView(
          from: handOff["from_node"], to: handOff["to_node"],
          state: try HandOffState.stored(handOff["state"]),
          letter: handOff["letter"],
          evidence: (handOff["evidence_ids"] as String).split(separator: ",").map(String.init),
          reason: handOff["reason"],
          offeredOn: day(handOff["offered_wall"]),
          decidedOn: (handOff["decided_wall"] as Int64?).map(day),
          designatedBy: related.designations[id])
      }, receivedByHandOff: handOff?["received_by_handoff"] ?? false,
      handling: try (related.handling[id] ?? []).map {
        HandlingView(
          bureau: $0["bureau"], state: try LeadState(canonical: $0["state"]),
          acknowledgedOn: ($0["acknowledged_wall"] as Int64?).map(day),
          extended: $0["extended"], outcome: try ($0["outcome"] as String?).map(LeadOutcome.init(canonical:)),
          caseReference: $0["case_reference"],
          note: $0["note"], updatedOn: day($0["updated_wall"]))
      }, mergedInto: notes?["merged_into"], withdrawalNote: notes?["withdrawal_note"],
      dispute: related.disputes[id].map {
        DisputeView(
          owner: $0["owner"], claimant: $0["claimant"], reason: $0["reason"],
          since: day($0["since_wall"]))
      },
      handOffHead: related.handOffHeads[id])
  }

  public func refusals() throws -> [OperationRefusal] {
    try snapshot { db in
      try db.rows("SELECT * FROM p_refusals ORDER BY change_id, op_index").map(LogTables.refusal)
    }
  }

  /// The refused operations of these changes (what the sync driver logs after each batch). One
  /// query per 500 changes, not one per change: it runs on every batch a peer sends.
  public func refusals(of changes: [ChangeID]) throws -> [OperationRefusal] {
    try snapshot { db in try LogTables.refusals(of: changes, db) }
  }

  /// Which of `ids` are leads this node holds, in one read (a bulk import checks every row): a
  /// query per 500 IDs, which on a hub is a round trip to its server each.
  public func existingLeads(among ids: [String]) throws -> Set<String> {
    try snapshot { db in
      Set(try db.rows(ofKeys: ids) { "SELECT id FROM p_leads WHERE id IN (\($0))" }.map { $0.string("id")! })
    }
  }

  public func objectIDs(startingWith hexPrefix: String, limit: Int) throws -> [ObjectID] {
    let padding = 32 - min(hexPrefix.count, 32)
    guard let low = Data(hex: hexPrefix + String(repeating: "0", count: padding)),
      let high = Data(hex: hexPrefix + String(repeating: "f", count: padding))
    else { return [] }
    return try snapshot { db in
      try db.rows(
        "SELECT DISTINCT object_id FROM p_operations WHERE object_id BETWEEN ? AND ? ORDER BY object_id LIMIT ?",
        low, high, limit
      ).compactMap { ObjectID(bytes: $0["object_id"]) }
    }
  }
}

extension ReadModels where Self: SQLBackedStore & ChangeLog & SuiteHashing {
  public func status() throws -> StatusView {
    let counts = try snapshot { db in
      try db.firstRow(
        """
        SELECT (SELECT COUNT(*) FROM changes) AS changes,
          (SELECT COUNT(*) FROM changes WHERE body IS NULL) AS stubs,
          (SELECT COUNT(*) FROM p_subjects) AS subjects, (SELECT COUNT(*) FROM p_leads) AS leads,
          (SELECT COUNT(*) FROM p_refusals) AS refusals
        """)!
    }
    var vector: [String: UInt64] = [:]
    for (origin, top) in try versionVector() { vector[origin.rawValue] = top }
    return StatusView(
      node: node.rawValue, changes: counts["changes"], stubs: counts["stubs"], versionVector: vector,
      subjects: counts["subjects"], leads: counts["leads"], refusedOperations: counts["refusals"],
      forks: try forks(), quarantined: try quarantinedOrigins(),
      superseded: try supersededChanges(), withheld: try withheldChanges(),
      projectionDigest: try projectionDigest(),
      changeSetDigest: try changeSetDigest(),
      heldChangesDigest: try heldChangesDigest())
  }
}
