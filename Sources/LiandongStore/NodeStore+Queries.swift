import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

extension NodeStore {
  /// Every change held, oldest first in the replay order.
  public func log() throws -> [ChangeSummary] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT header, signature, body FROM changes ORDER BY hlc_wall, hlc_counter, origin, id"
      ).map { row throws -> ChangeSummary in
        let change = try SignedChange(
          headerBytes: row["header"], signature: row["signature"], body: row["body"])
        let body = change.decodedBody()
        return ChangeSummary(
          id: change.id.hex, origin: change.header.origin.rawValue, sequence: change.header.sequence,
          time: change.header.time.iso8601, hlc: change.header.time.description,
          audience: change.header.audience.description, stub: change.isStub, officer: body?.officer,
          signer: change.header.signerSHA256.hex,
          operations: body?.operations.map { Self.describe($0, in: change.header.suite) } ?? [])
      }
    }
  }

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

  public func subject(_ id: String, _ db: Database) throws -> SubjectView? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT * FROM p_subjects WHERE id = ?"), arguments: [id]
    ).map { try Self.subjectView($0) }
  }

  static func subjectView(_ row: Row) throws -> SubjectView {
    SubjectView(
      id: row["id"], origin: row["origin"], kind: try SubjectKind(canonical: row["kind"]), name: row["name"],
      uscc: row["uscc"],
      registeredDivision: row["registered_division"], businessDivision: row["business_division"],
      platform: row["platform"], shopID: row["shop_id"], url: row["url"], audience: row["audience"])
  }

  public func leads() throws -> [LeadView] {
    try read { db in
      let related = try LeadRelations(all: db)
      return try Row.fetchAll(db, sql: "SELECT * FROM p_leads ORDER BY created_wall, created_counter, id").map
      {
        try leadView($0, related, db)
      }
    }
  }

  /// The leads that may have work open on them, oldest first: before a decision (published,
  /// acknowledged, checking), with a bureau acknowledged or checking, a hand-off offered or
  /// objected, or a jurisdiction disputed. What the worklist and the due list read, rather than
  /// every lead the node has held for years: a decided, closed or withdrawn lead asks nothing
  /// of anyone.
  public func leadsWithOpenWork() throws -> [LeadView] {
    let open = [LeadState.published, .acknowledged, .checking].map { "'\($0.rawValue)'" }.joined(
      separator: ", ")
    let handling = [LeadState.acknowledged, .checking].map { "'\($0.rawValue)'" }.joined(separator: ", ")
    let handOff = [HandOffState.offered, .objected].map { "'\($0.rawValue)'" }.joined(separator: ", ")
    return try read { db in
      let rows = try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT * FROM p_leads WHERE state IN (\(open))
              OR id IN (SELECT lead_id FROM p_lead_handling WHERE state IN (\(handling)))
              OR id IN (SELECT lead_id FROM p_handoffs WHERE state IN (\(handOff)))
              OR id IN (SELECT lead_id FROM p_disputes)
            ORDER BY created_wall, created_counter, id
            """))
      // A few thousand leads' relations by their IDs; past that, each table read once costs
      // less than a long list of IDs (whose length SQLite bounds).
      let related = rows.count <= 2_000 ? try LeadRelations(ofPage: rows, db) : try LeadRelations(all: db)
      return try rows.map { try leadView($0, related, db) }
    }
  }

  public func lead(_ id: String) throws -> LeadView? {
    try read { db in
      try Row.fetchOne(
        db.cachedStatement(sql: "SELECT * FROM p_leads WHERE id = ?"), arguments: [id]
      ).map {
        try leadView($0, LeadRelations(of: id, db), db)
      }
    }
  }

  func leadView(_ stored: Row, _ related: LeadRelations, _ db: Database) throws -> LeadView {
    let row = NamedColumns(stored)
    func time(_ prefix: String) -> String {
      HLCTimestamp(
        wallMillis: UInt64(row["\(prefix)_wall"] as Int64), counter: UInt32(row["\(prefix)_counter"] as Int64)
      )
      .iso8601
    }
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
          offeredOn: CivilDate(chinaDayOf: UInt64(handOff["offered_wall"] as Int64)),
          decidedOn: (handOff["decided_wall"] as Int64?).map { CivilDate(chinaDayOf: UInt64($0)) },
          designatedBy: related.designations[id])
      }, receivedByHandOff: handOff?["received_by_handoff"] ?? false,
      handling: try (related.handling[id] ?? []).map {
        HandlingView(
          bureau: $0["bureau"], state: try LeadState(canonical: $0["state"]),
          acknowledgedOn: ($0["acknowledged_wall"] as Int64?).map { CivilDate(chinaDayOf: UInt64($0)) },
          extended: $0["extended"], outcome: try ($0["outcome"] as String?).map(LeadOutcome.init(canonical:)),
          caseReference: $0["case_reference"],
          note: $0["note"], updatedOn: CivilDate(chinaDayOf: UInt64($0["updated_wall"] as Int64)))
      }, mergedInto: notes?["merged_into"], withdrawalNote: notes?["withdrawal_note"],
      dispute: related.disputes[id].map {
        DisputeView(
          owner: $0["owner"], claimant: $0["claimant"], reason: $0["reason"],
          since: CivilDate(chinaDayOf: UInt64($0["since_wall"] as Int64)))
      },
      handOffHead: related.handOffHeads[id])
  }

  public func refusals() throws -> [OperationRefusal] {
    try read { db in
      try StoreConnection.sqlite(db).rows("SELECT * FROM p_refusals ORDER BY change_id, op_index").map(
        LogTables.refusal)
    }
  }

  /// The refused operations of these changes (what the sync driver logs after each batch). One
  /// query per 500 changes, not one per change: it runs on every batch a peer sends.
  public func refusals(of changes: [ChangeID]) throws -> [OperationRefusal] {
    try read { db in try LogTables.refusals(of: changes, .sqlite(db)) }
  }

  public func forks() throws -> [ForkView] {
    try read { db in
      let decisions = try LogTables.forkDecisions(.sqlite(db))
      return try Row.fetchAll(db, sql: "SELECT * FROM fork_proofs ORDER BY origin, sequence").map {
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

  public func status() throws -> StatusView {
    let counts = try read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes") ?? 0,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes WHERE body IS NULL") ?? 0,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM p_subjects") ?? 0,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM p_leads") ?? 0,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM p_refusals") ?? 0
      )
    }
    var vector: [String: UInt64] = [:]
    for (origin, top) in try versionVector() { vector[origin.rawValue] = top }
    return StatusView(
      node: node.rawValue, changes: counts.0, stubs: counts.1, versionVector: vector, subjects: counts.2,
      leads: counts.3, refusedOperations: counts.4, forks: try forks(), quarantined: try quarantinedOrigins(),
      superseded: try supersededChanges(), withheld: try withheldChanges(),
      projectionDigest: try projectionDigest(),
      changeSetDigest: try changeSetDigest(),
      heldChangesDigest: try heldChangesDigest())
  }
}

extension NodeStore {
  /// Which of `ids` are leads this node holds, in one read (a bulk import checks every row).
  public func existingLeads(among ids: [String]) throws -> Set<String> {
    try read { db in
      let statement = try db.cachedStatement(sql: "SELECT 1 FROM p_leads WHERE id = ?")
      return Set(try ids.filter { try Int.fetchOne(statement, arguments: [$0]) != nil })
    }
  }
}

extension NodeStore {
  public func objectIDs(startingWith hexPrefix: String, limit: Int) throws -> [ObjectID] {
    let padding = 32 - min(hexPrefix.count, 32)
    guard let low = Data(hex: hexPrefix + String(repeating: "0", count: padding)),
      let high = Data(hex: hexPrefix + String(repeating: "f", count: padding))
    else { return [] }
    return try read { db in
      try Data.fetchAll(
        db, sql: "SELECT DISTINCT object_id FROM p_operations WHERE object_id BETWEEN ? AND ? LIMIT ?",
        arguments: [low, high, limit]
      ).compactMap { ObjectID(bytes: $0) }
    }
  }
}
