import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

extension NodeStore {
  /// What SQLite finds wrong with the database file: `PRAGMA integrity_check`, or with `quick`
  /// its quick form (no index-against-table cross-check, linear in the file's size). Empty when
  /// the file is sound. A file too damaged to be read at all is a problem too, not an error.
  public func databaseProblems(quick: Bool) throws -> [String] {
    let findings: [String]
    do {
      findings = try read {
        try String.fetchAll($0, sql: quick ? "PRAGMA quick_check" : "PRAGMA integrity_check")
      }
    } catch let error as StoreError where error.code == "store.damaged" {
      return [error.description]
    }
    return findings == ["ok"] ? [] : findings
  }

  /// Drops every projection and replays the log. The fold depends only on the set of operations,
  /// so the tables come out byte-identical to those built incrementally; `projectionDigest`
  /// shows it.
  public func rebuild() throws { try rebuild(operationRowsHeldBack: FoldBatch.defaultMaximumUnwritten) }

  /// `rebuild`, writing the operation index whenever `operationRowsHeldBack` of its rows wait
  /// (`FoldBatch`): a test sets it low to replay a short log through that path.
  ///
  /// A body that fails its hash is never folded as if it were absent: the rebuild is undone,
  /// leaving every projection as it was, the damaged bodies are set aside to be fetched again
  /// (`setAsideDamagedBodies`), and `store.body-damaged` says so. So is a rebuild asked for while
  /// bodies set aside earlier have not come back.
  func rebuild(operationRowsHeldBack: Int) throws {
    let awaited = try awaitedDamagedBodies()
    guard awaited.isEmpty else { throw StoreError.bodiesDamaged(awaited.map(\.change)) }
    var damaged: [ChangeID] = []
    do {
      try rebuildAll(operationRowsHeldBack: operationRowsHeldBack, damaged: &damaged)
    } catch is DamagedBodiesFound {
      try setAsideDamagedBodies(damaged)
      throw StoreError.bodiesDamaged(damaged.map(\.hex))
    }
  }

  /// Thrown inside the rebuild's transaction to undo it.
  private struct DamagedBodiesFound: Error {}

  private func rebuildAll(operationRowsHeldBack: Int, damaged: inout [ChangeID]) throws {
    try writingLog(origins: []) { db in
      try emptyDerivedTables(db)
      try replayLog(operationRowsHeldBack: operationRowsHeldBack, damaged: &damaged, db)
      if !damaged.isEmpty { throw DamagedBodiesFound() }
    }
  }
}

extension LogWritingStore {
  /// Replays the whole log into emptied projections, as `rebuild` does, in the transaction
  /// `db`; the changes whose bodies fail their hash are left in `damaged`, and nothing is folded
  /// once one is found (the caller undoes the transaction).
  func replayLog(operationRowsHeldBack: Int, damaged: inout [ChangeID], _ db: StoreConnection) throws {
    signerCache.forget()
    var folds = FoldBatch(maximumUnwritten: operationRowsHeldBack)
    var revocations = SignerRevocations()
    revocations.anyWithheld = false
    // Times in effect come from the chains' stamps, before any change is decided by them.
    try deriveTimesInEffect(db)
    let clock = self.clock()
    // Each change is decided after the announcement of the certificate that signed it, which
    // precedes it in its origin's chain but may follow it in the log (a body fetched again
    // after damage moves to the log's end): such a change waits, and is decided at the end in
    // chain order.
    var announced = Set<Data>()
    var waiting: [(change: SignedChange, body: ChangeBody?)] = []
    // A page of the log at a time: a whole log does not fit in memory as rows.
    var position: Int64 = 0
    while true {
      let page = try db.rows(
        "SELECT rowid, header, signature, body FROM changes WHERE rowid > ? ORDER BY rowid LIMIT ?", position,
        Self.replayPageRows)
      guard let last = page.last else { break }
      position = last.integer("rowid")!
      for row in page {
        let change = try SignedChange(
          headerBytes: row.bytes("header")!, signature: row.bytes("signature")!, body: row.bytes("body"))
        var body: ChangeBody? = nil
        if !change.isStub {
          do throws(ChangeRefusal) { try change.checkBody() } catch {
            damaged.append(change.id)
            continue
          }
          body = change.decodedBody()
          for operation in body?.operations ?? [] {
            if case .announceNode(let chain) = operation.action {
              announced.insert(
                try registerCertificate(chain, origin: change.header.origin, announcedIn: change.id, db))
            }
          }
          try registerManifests(in: change, body, db)
          try LogTables.registerRevocationLists(in: change, body, db)
        }
        guard announced.contains(change.header.signerSHA256) else {
          waiting.append((change, body))
          continue
        }
        if try !withholdIfNotCounting(change, revocations: &revocations, trust: nil, clock: clock, db),
          let body
        {
          try folds.index(change, body, db)
        }
      }
    }
    let inChainOrder = waiting.sorted {
      ($0.change.header.origin, $0.change.header.sequence) < (
        $1.change.header.origin, $1.change.header.sequence
      )
    }
    for (change, body) in inChainOrder {
      if try !withholdIfNotCounting(change, revocations: &revocations, trust: nil, clock: clock, db),
        let body
      {
        try folds.index(change, body, db)
      }
    }
    guard damaged.isEmpty else { return }
    try rebuildWantedBodies(db)
    try folds.refold(db)
    // A manifest later in the log may name earlier changes in a cut-off.
    if revocations.anyWithheld { _ = try reconsiderWithheld(db, clock: clock) }
    try db.run("DELETE FROM store_flags WHERE name = ?", LogTables.replayFlag)
  }

  private static var replayPageRows: Int { 1024 }

  /// Lists again every stub this node may read (after a rebuild, or the upgrade that added the
  /// list).
  func rebuildWantedBodies(_ db: StoreConnection) throws {
    try db.run("DELETE FROM p_wanted_bodies")
    // Noted as each is read: a node outside most audiences holds millions of stubs.
    try db.forEachRow("SELECT header, signature FROM changes WHERE body IS NULL") { row in
      try noteIfWanted(try SignedChange(headerBytes: row.data(0), signature: row.data(1), body: nil), db)
    }
  }
}

extension NodeStore {
  /// The projection digest (`ProjectionDigest`): equal digests mean identical projections,
  /// whatever order the changes arrived in, and whatever engine holds them. Rows are read
  /// straight from SQLite's columns and ordered by their keys in BINARY collation (byte order).
  public func projectionDigest() throws -> String {
    try read { db in
      var digest = ProjectionDigest(digest: suiteDigest)
      for (table, key) in ProjectionDigest.tables {
        var started = false
        try db.forEachRow("SELECT * FROM \(table) ORDER BY \(key.joined(separator: ", "))") { row in
          if !started {
            digest.beginTable(table, columns: (0..<row.columnCount).map { row.columnName($0) })
            started = true
          }
          digest.appendRow { column in
            switch row.value(Int32(column)) {
            case .null: .null
            case .integer(let value): .integer(value)
            case .real(let value): .real(value)
            case .text(let bytes): .text(bytes)
            case .blob(let bytes): .bytes(bytes)
            }
          }
        }
        if !started { digest.beginTable(table, columns: []) }
      }
      return digest.finalize()
    }
  }

}

extension ChangeLog where Self: SQLBackedStore {
  /// Re-verifies every stored change from scratch, origin by origin in sequence order, with the
  /// same decision the ingest path uses: signature, certificate at the change's time against the
  /// CA and CRL, body hash, chain links, the stored ID. Certificates are taken from the log
  /// itself, not from the projection, so a tampered projection cannot vouch for a change.
  public func audit(verifier: ChangeVerifier, physicalMillis: UInt64) throws -> AuditReport {
    try snapshot { db in
      var failures: [AuditFailure] = []
      var checked = 0
      var stubs = 0
      var signers: [NodeID: [Data: [Certificate]]] = [:]
      var previous: (origin: String, held: HeldChange, sequence: UInt64)? = nil
      try LogTables.forEachChange(
        "id, origin, sequence, header, signature, body", orderedBy: ["origin", "sequence"], db
      ) { row in
        checked += 1
        let storedID: Data = row["id"]
        let origin: String = row["origin"]
        let sequence: Int64 = row["sequence"]
        func fail(_ code: String, _ message: String) {
          failures.append(
            AuditFailure(
              change: storedID.hex, origin: origin, sequence: sequence, code: code, message: message))
        }
        if row["body"] as Data? == nil { stubs += 1 }
        let change: SignedChange
        do throws(ChangeRefusal) {
          change = try SignedChange(
            headerBytes: row["header"], signature: row["signature"], body: row["body"])
        } catch {
          fail(error.code, error.description)
          return
        }
        guard change.id.bytes == storedID, change.header.origin.rawValue == origin,
          change.header.sequence == UInt64(sequence)
        else {
          fail("store.row-mismatch", "the stored ID, origin or sequence does not match the signed header")
          return
        }
        let continuing = previous?.origin == origin
        let context = IngestContext(
          receiver: node, held: nil, predecessor: continuing ? previous?.held : nil,
          heldThrough: continuing ? previous!.sequence : 0, signers: signers[change.header.origin] ?? [:],
          quarantined: false, physicalMillis: physicalMillis)
        switch verifier.decide(change, context) {
        case .store(_, let announced, _):
          for chain in announced {
            if let certificates = try? chain.map({ try Certificate(der: $0) }), let leaf = certificates.first
            {
              signers[change.header.origin, default: [:]][leaf.fingerprint] = certificates
            }
          }
        case .refuse(let refusal):
          fail(refusal.code, refusal.description)
        default:
          fail("store.unexpected", "unexpected verification outcome")
        }
        previous = (
          origin, HeldChange(id: change.id, time: change.header.time, hasBody: !change.isStub),
          change.header.sequence
        )
      }
      return AuditReport(
        changesChecked: checked, stubs: stubs, failures: failures, refusedOperations: [], forks: [],
        quarantined: [])
    }
  }
}

extension LogTables {
  /// Hands every change's `columns` to `row`, in the order of `key` (columns that tell changes
  /// apart), read a page at a time: a hub's log may not fit in memory at once.
  static func forEachChange(
    _ columns: String, orderedBy key: [String], _ db: StoreConnection, row: (SQLRow) throws -> Void
  ) throws {
    let page = 1_000
    var last: SQLRow? = nil
    while true {
      let after =
        last.map { _ in
          "WHERE (\(key.joined(separator: ", "))) > (\(key.map { _ in "?" }.joined(separator: ", "))) "
        } ?? ""
      let rows = try db.rows(
        "SELECT \(columns) FROM changes \(after)ORDER BY \(key.joined(separator: ", ")) LIMIT \(page)",
        binding: last.map { last in key.map { last[$0] as SQLValue } } ?? [])
      for found in rows { try row(found) }
      guard rows.count == page else { return }
      last = rows.last
    }
  }
}
