import Foundation
import LiandongCore
import LiandongCrypto

/// The revocation rule (`RevocationRule`) applied to the log: which stored changes are withheld
/// because their certificate was revoked and no other node witnessed them before, kept in
/// `withheld_changes` (never folded). `revocations` records when the CRLs in force revoke each
/// certificate held, so that every decision (at ingest, as checkpoints arrive, in a rebuild)
/// reads the same inputs from the store.
extension RevocationRecords where Self: LogBackedStore {
  /// Records when the CRLs in force revoke each certificate this node holds. If that changed,
  /// every change is decided again by a replay of the projections, and true is returned. Called
  /// when a node opens its data folder and whenever it loads a new CRL.
  @discardableResult
  public func applyRevocations(_ trust: TrustAnchor) throws -> Bool {
    // Read first: every command opens the store, and nearly always nothing changed.
    let seen = try snapshot { db in
      (try LogTables.revocationTimes(trust, db), try LogTables.recordedRevocations(db))
    }
    guard seen.0 != seen.1 else { return false }
    let log = logWriter.store
    let changed = try log.writingLog(origins: []) { db -> Bool in
      try db.holdWholeLog()
      let wanted = try LogTables.revocationTimes(trust, db)
      guard wanted != (try LogTables.recordedRevocations(db)) else { return false }
      try LogTables.record(revocations: wanted, db)
      try db.run("INSERT INTO store_flags (name) VALUES (?) ON CONFLICT DO NOTHING", LogTables.replayFlag)
      // An origin's fork choices count only while its certificate is unrevoked.
      var tips = ChainTips()
      tips.forkChoicesChanged()
      _ = try log.applyForkDecisions(db, tips: &tips)
      return true
    }
    if changed { try log.replayIfOwed() }
    return changed
  }

  /// What putting `trust`'s lists in force would do here, decided as `applyRevocations` and the
  /// replay decide it, then undone: the certificates held whose revocation it adds or moves, and
  /// every change then withheld. `crl install --dry-run` shows it before anything changes.
  public func previewRevocations(_ trust: TrustAnchor) throws -> RevocationPreview {
    let log = logWriter.store
    do {
      try log.writingLog(origins: []) { db in
        let wanted = try LogTables.revocationTimes(trust, db)
        let recorded = try LogTables.recordedRevocations(db)
        var revoked: [RevokedCertificateView] = []
        for row in try db.rows("SELECT fingerprint, node, serial FROM p_certificates ORDER BY node, serial") {
          let fingerprint: Data = row["fingerprint"]
          guard let millis = wanted[fingerprint], recorded[fingerprint] != millis else { continue }
          revoked.append(
            RevokedCertificateView(
              node: row["node"], serial: row["serial"],
              revokedAt: Date(timeIntervalSince1970: Double(millis) / 1000).iso8601))
        }
        try LogTables.record(revocations: wanted, db)
        let clock = log.clock()
        // The replay's decisions (`rebuildAll`), without folding: each origin's chain in order
        // (every certificate is registered already), then cut-offs.
        try db.run("DELETE FROM withheld_changes")
        var revocations = SignerRevocations()
        revocations.anyWithheld = false
        try LogTables.forEachChange("header, signature", orderedBy: ["origin", "sequence"], db) { row in
          let change = try SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil)
          _ = try log.withholdIfNotCounting(change, revocations: &revocations, trust: nil, clock: clock, db)
        }
        if revocations.anyWithheld { _ = try log.reconsiderWithheld(db, clock: clock) }
        throw RevocationPreviewUndone(
          preview: RevocationPreview(revoked: revoked, withheld: try LogTables.withheldChanges(db)))
      }
    } catch let undo as RevocationPreviewUndone {
      return undo.preview
    }
    preconditionFailure("the preview's transaction is always undone")
  }

  /// The first withheld change that acts on `object`: the reason it shows nothing.
  public func withheld(touching object: ObjectID) throws -> WithheldChangeView? {
    try snapshot { db in
      guard try db.exists("SELECT 1 FROM withheld_changes LIMIT 1") else { return nil }
      for row in try db.rows(
        """
        SELECT c.header, c.signature, c.body, w.reason FROM withheld_changes w
        JOIN changes c ON c.id = w.change_id WHERE c.body IS NOT NULL ORDER BY c.rowid
        """)
      {
        guard
          let change = try? SignedChange(
            headerBytes: row["header"], signature: row["signature"], body: row["body"]),
          change.decodedBody()?.operations.contains(where: { $0.objectID == object }) == true
        else { continue }
        return WithheldChangeView(
          id: change.id.hex, origin: change.header.origin.rawValue, sequence: Int64(change.header.sequence),
          reason: row["reason"])
      }
      return nil
    }
  }
}

/// Thrown to undo the preview's transaction, carrying what it found.
private struct RevocationPreviewUndone: Error {
  var preview: RevocationPreview
}

extension LogTables {
  /// When the CRLs in `trust` revoke each certificate held, by fingerprint.
  static func revocationTimes(_ trust: TrustAnchor, _ db: StoreConnection) throws -> [Data: Int64] {
    var wanted: [Data: Int64] = [:]
    guard !trust.revocationLists.isEmpty else { return wanted }
    for row in try db.rows("SELECT fingerprint, chain_pem FROM p_certificates") {
      guard let leaf = try? Certificate.chain(pem: Data((row["chain_pem"] as String).utf8)).first,
        let revoked = trust.revocationTime(of: leaf)
      else { continue }
      wanted[row["fingerprint"]] = Int64(clamping: revoked.unixMillis)
    }
    return wanted
  }

  static func recordedRevocations(_ db: StoreConnection) throws -> [Data: Int64] {
    var recorded: [Data: Int64] = [:]
    for row in try db.rows("SELECT fingerprint, revoked_at_millis FROM revocations") {
      recorded[row["fingerprint"]] = row["revoked_at_millis"]
    }
    return recorded
  }

  static func record(revocations: [Data: Int64], _ db: StoreConnection) throws {
    try db.run("DELETE FROM revocations")
    for (fingerprint, millis) in revocations {
      try db.run(
        "INSERT INTO revocations (fingerprint, revoked_at_millis) VALUES (?, ?)", fingerprint, millis)
    }
  }
}

extension LogWritingStore {
  /// Withholds `change` if it may not count here: stamped ahead of `clock` (`ChainTime`), or
  /// signed by a revoked certificate and not witnessed in time (`RevocationRule`). Returns
  /// whether it did.
  func withholdIfNotCounting(
    _ change: SignedChange, revocations: inout SignerRevocations, trust: TrustAnchor?, clock: ClockNow,
    _ db: StoreConnection
  ) throws -> Bool {
    guard
      let withholding = try withholding(
        of: change, revocations: &revocations, trust: trust, clock: clock, db)
    else { return false }
    try db.run(
      """
      INSERT INTO withheld_changes (change_id, origin, sequence, reason, counts_from_millis) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (change_id) DO UPDATE SET reason = excluded.reason, counts_from_millis = excluded.counts_from_millis
      """, change.id.bytes, change.header.origin.rawValue, Int64(change.header.sequence), withholding.reason,
      withholding.countsFromMillis.map { Int64(clamping: $0) })
    revocations.anyWithheld = true
    return true
  }

  /// Why `change` may not count here, and, if it waits for this node's clock, from when; nil when
  /// it counts.
  private func withholding(
    of change: SignedChange, revocations: inout SignerRevocations, trust: TrustAnchor?, clock: ClockNow,
    _ db: StoreConnection
  ) throws -> (reason: String, countsFromMillis: UInt64?)? {
    // Learn the signer's revocation while `trust` is at hand, even for a change held back for the
    // clock: it is decided again later without `trust`, from what `revocations` records, and a
    // node that put the CRL in force before it knew the certificate would otherwise let it count
    // (seen in the simulation: a rotated node's changes, ahead of a peer's clock set back a day).
    if trust != nil {
      _ = try revocations.revokedAt(
        change.header.signerSHA256, origin: change.header.origin, trust: trust, store: self, db)
    }
    if let ahead = try aheadMillis(of: change, clock: clock, db) {
      return (ChainTime.withheldReason(aheadMillis: ahead.ahead), ahead.countsFromMillis)
    }
    let standing = try standing(of: change.header, id: change.id, revocations: &revocations, trust: trust, db)
    return standing.reason.map { ($0, nil) }
  }

  /// Whether `change` is withheld here: a body that arrives for it is not folded either.
  func isWithheld(_ change: ChangeID, _ db: StoreConnection) throws -> Bool {
    try db.exists("SELECT 1 FROM withheld_changes WHERE change_id = ?", change.bytes)
  }

  /// Decides every withheld change again, in log order, after checkpoints, a manifest or a clock
  /// correction arrived, or the clock moved on: those that count now are folded in this
  /// transaction. Returns how many came to count.
  func reconsiderWithheld(_ db: StoreConnection, clock: ClockNow) throws -> Int {
    var revocations = SignerRevocations()
    var folds = FoldBatch()
    var released = 0
    var progress = true
    // A change released may release those signed by a certificate it announced.
    while progress {
      progress = false
      let rows = try db.rows(
        """
        SELECT c.header, c.signature, c.body, w.reason, w.counts_from_millis
        FROM withheld_changes w JOIN changes c ON c.id = w.change_id ORDER BY c.rowid
        """)
      for row in rows {
        let change = try SignedChange(
          headerBytes: row.bytes("header")!, signature: row.bytes("signature")!, body: row.bytes("body"))
        if let still = try withholding(of: change, revocations: &revocations, trust: nil, clock: clock, db) {
          // Still withheld; the reason may have changed (its announcement now counts, or a
          // correction re-timed it), and is written only then.
          let countsFrom = still.countsFromMillis.map { Int64(clamping: $0) }
          if still.reason != row.string("reason") || countsFrom != row.integer("counts_from_millis") {
            try db.run(
              "UPDATE withheld_changes SET reason = ?, counts_from_millis = ? WHERE change_id = ?",
              still.reason,
              countsFrom, change.id.bytes)
          }
          continue
        }
        try db.run("DELETE FROM withheld_changes WHERE change_id = ?", change.id.bytes)
        try folds.index(change, change.decodedBody(), db)
        released += 1
        progress = true
      }
    }
    try folds.refold(db)
    return released
  }

  /// The rule's inputs for one change, read from the store: when its certificate was revoked
  /// (`trust`, when given, is asked about a certificate not recorded yet), whether the change that
  /// announced the certificate is withheld, and the checkpoints of other nodes that hold it.
  func standing(
    of header: ChangeHeader, id: ChangeID, revocations: inout SignerRevocations, trust: TrustAnchor?,
    _ db: StoreConnection
  ) throws -> RevocationRule.Standing {
    let fingerprint = header.signerSHA256
    var announcedInWithheld: ChangeID? = nil
    if try revocations.anyWithheld(db) {
      if let announcer = try db.firstRow(
        "SELECT announced_in FROM p_certificates WHERE fingerprint = ?", fingerprint)?.bytes("announced_in"),
        announcer != id.bytes, try isWithheld(ChangeID(bytes: announcer)!, db)
      {
        announcedInWithheld = ChangeID(bytes: announcer)
      }
    }
    let revokedAt = try revocations.revokedAt(
      fingerprint, origin: header.origin, trust: trust, store: self, db)
    guard revokedAt != nil || announcedInWithheld != nil else { return .counts }
    var witnesses: [RevocationRule.Witness] = []
    if let revokedAt {
      let origin = header.origin.rawValue
      for row in try db.rows(
        """
        SELECT h.signer, h.time_millis, r.revoked_at_millis FROM \(LogTables.checkpointsHolding)
        WHERE \(LogTables.holdingChangeAt) AND h.signer <> ? AND h.time_millis < ?
        """, origin, Int64(header.sequence), origin, Int64(clamping: revokedAt))
      {
        guard let node = try? NodeID(row.string("signer")!) else { continue }
        witnesses.append(
          RevocationRule.Witness(
            node: node, timeMillis: UInt64(row.integer("time_millis")!),
            signerRevokedAtMillis: row.integer("revoked_at_millis").map { UInt64($0) }))
      }
    }
    var cutOff = false
    if revokedAt != nil {
      for named in try revocations.cutOffs(db)
      where named.origin == header.origin.rawValue && named.sequence >= header.sequence {
        let held = try ChainTips.change(origin: header.origin, sequence: named.sequence, db)
        if let held, held.id == named.headID { cutOff = true }
      }
    }
    return RevocationRule.standing(
      origin: header.origin, revokedAtMillis: revokedAt, announcedInWithheld: announcedInWithheld,
      witnesses: witnesses, cutOff: cutOff)
  }
}

/// What one transaction learned of certificates' revocations, so that a batch of thousands of
/// changes by one signer asks once.
struct SignerRevocations {
  private var known: [Data: UInt64?] = [:]
  private var anyWithheldKnown: Bool?
  private var cutOffsRead: [RevocationCutOff]?

  /// The authority's cut-offs, from every manifest held.
  mutating func cutOffs(_ db: StoreConnection) throws -> [RevocationCutOff] {
    if let cutOffsRead { return cutOffsRead }
    let read = try db.rows("SELECT document FROM p_manifests").flatMap {
      (try? FederationManifest.parse($0.bytes("document")!))?.cutoffs ?? []
    }
    cutOffsRead = read
    return read
  }

  var anyWithheld: Bool {
    get { anyWithheldKnown ?? false }
    set { anyWithheldKnown = newValue }
  }

  mutating func anyWithheld(_ db: StoreConnection) throws -> Bool {
    if let known = anyWithheldKnown { return known }
    let found = try db.exists("SELECT 1 FROM withheld_changes LIMIT 1")
    anyWithheldKnown = found
    return found
  }

  /// When the certificate was revoked: as recorded, or (given `trust`) as its CRLs say, then
  /// recorded.
  mutating func revokedAt(
    _ fingerprint: Data, origin: NodeID, trust: TrustAnchor?, store: some LogWritingStore,
    _ db: StoreConnection
  ) throws -> UInt64? {
    if let cached = known[fingerprint] { return cached }
    var millis = try db.firstRow(
      "SELECT revoked_at_millis FROM revocations WHERE fingerprint = ?", fingerprint)?
      .integer("revoked_at_millis").map { UInt64($0) }
    if millis == nil, let trust, !trust.revocationLists.isEmpty,
      let leaf = try store.signers(of: origin, including: fingerprint, db)[fingerprint]?.first,
      let revoked = trust.revocationTime(of: leaf)
    {
      millis = revoked.unixMillis
      try db.run(
        """
        INSERT INTO revocations (fingerprint, revoked_at_millis) VALUES (?, ?)
        ON CONFLICT (fingerprint) DO UPDATE SET revoked_at_millis = excluded.revoked_at_millis
        """, fingerprint, Int64(clamping: revoked.unixMillis))
    }
    known[fingerprint] = millis
    return millis
  }
}

/// A change withheld by the revocation rule, and why.
public struct WithheldChangeView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var sequence: Int64
  public var reason: String
  /// For a change stamped ahead of this node's clock: when the clock lets it count, unless a
  /// clock correction of its origin makes it count earlier. Nil for the revocation rule's.
  public var countsFrom: String? = nil
}

extension ChangeLog where Self: SQLBackedStore {
  /// The changes withheld, with why, in log order.
  public func withheldChanges() throws -> [WithheldChangeView] { try snapshot(LogTables.withheldChanges) }
}

extension LogTables {
  static func withheldChanges(_ db: StoreConnection) throws -> [WithheldChangeView] {
    try db.rows(
      """
      SELECT w.change_id, w.origin, w.sequence, w.reason, w.counts_from_millis FROM withheld_changes w
      JOIN changes c ON c.id = w.change_id ORDER BY c.rowid
      """
    ).map(WithheldChangeView.init(row:))
  }
}

extension WithheldChangeView {
  init(row: SQLRow) {
    self.init(
      id: (row["change_id"] as Data).hex, origin: row["origin"], sequence: row["sequence"],
      reason: row["reason"],
      countsFrom: (row["counts_from_millis"] as Int64?).map {
        Date(timeIntervalSince1970: Double($0) / 1000).iso8601
      })
  }
}

/// A certificate held that a revocation list revokes, as `crl install` names it.
public struct RevokedCertificateView: Codable, Sendable, Equatable {
  public var node: String
  public var serial: String
  public var revokedAt: String
}

/// What a revocation list would do on this node (`NodeStore.previewRevocations`).
public struct RevocationPreview: Codable, Sendable, Equatable {
  /// Certificates held whose revocation it adds, or moves to another time.
  public var revoked: [RevokedCertificateView]
  /// Every change withheld once it is in force, in log order (those withheld already included).
  public var withheld: [WithheldChangeView]
}
