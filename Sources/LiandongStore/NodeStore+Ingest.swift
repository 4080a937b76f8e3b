import Foundation
import LiandongCore
import LiandongCrypto

extension ChangeLog where Self: LogBackedStore {
  /// Verifies and stores changes from anywhere (a peer, a file, this node), all in one
  /// transaction, then refolds every object they touch (`ingestChanges`). `signaturesChecked` is
  /// what `checkSignaturesAhead` gave for these changes, from a caller that ran it earlier (while
  /// the previous batch committed); without it a large batch's signatures are checked on every
  /// core first. `bodies`, index for index, are the changes' bodies decoded ahead the same way
  /// (`PreparedBody.decoding`).
  public func ingest(
    _ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64,
    signaturesChecked: SignatureChecks?, bodies: [PreparedBody?]?
  ) throws -> [IngestOutcome] {
    try logWriter.store.ingestChanges(
      changes, verifier: verifier, physicalMillis: physicalMillis,
      signaturesChecked: signaturesChecked ?? checkSignaturesAhead(changes), bodies: bodies)
  }

  /// Records several changes made on this node in one transaction (`appendChanges`).
  public func appendLocal(
    _ changes: [(body: PreparedBody, audience: Audience)], author: ChangeAuthor, verifier: ChangeVerifier,
    physicalMillis: UInt64, keepingRefused: Bool
  ) throws -> [SignedChange] {
    try logWriter.store.appendChanges(
      changes, author: author, verifier: verifier, physicalMillis: physicalMillis,
      keepingRefused: keepingRefused)
  }
}

extension ChangeLog where Self: LogBackedStore {
  /// The latest time of any change that counts here (each was within the allowed drift of this
  /// node's clock when it came to count): a clock far behind it has gone backwards.
  public func latestChangeTime() throws -> HLCTimestamp {
    let log = logWriter.store
    return try log.readingLog { try log.latestTime($0) }
  }
}

extension LogWritingStore {
  /// Verifies and stores changes from anywhere, all in one transaction, then refolds every
  /// object they touch. Refused changes write nothing, except that a fork's proof and the
  /// quarantine it causes are kept. `checked` vouches for the signatures checked ahead; without
  /// `bodies` the changes' bodies are decoded here.
  func ingestChanges(
    _ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64,
    signaturesChecked checked: SignatureChecks, bodies: [PreparedBody?]?
  ) throws -> [IngestOutcome] {
    precondition(bodies == nil || bodies!.count == changes.count, "one prepared body for each change")
    let outcomes = try writingLog(origins: changes.map(\.header.origin)) { db in
      var folds = FoldBatch()
      var tips = ChainTips()
      var revocations = SignerRevocations()
      let receivedAt = Date().iso8601
      let outcomes = try changes.indices.map { index in
        try ingestOne(
          changes[index], db: db, verifier: verifier, physicalMillis: physicalMillis, receivedAt: receivedAt,
          folds: &folds, tips: &tips, revocations: &revocations,
          signatureChecked: checked.vouches(for: changes[index]), prepared: bodies?[index])
      }
      try finishWrites(
        folds: &folds, tips: &tips, revocations: &revocations,
        clock: clock(at: physicalMillis), db)
      return outcomes
    }
    try replayIfOwed()
    return outcomes
  }

  /// What every write transaction does after its changes are stored: refolds the objects they
  /// touched, applies fork decisions a manifest brought, and decides again the withheld changes
  /// that a manifest's cut-offs or a clock correction may let count.
  func finishWrites(
    folds: inout FoldBatch, tips: inout ChainTips, revocations: inout SignerRevocations, clock: ClockNow,
    _ db: StoreConnection
  ) throws {
    try folds.refold(db)
    var reconsider = tips.retimed > 0
    if tips.decisionsToApply {
      _ = try applyForkDecisions(db, tips: &tips)
      reconsider = true
    }
    if reconsider, try revocations.anyWithheld(db) { _ = try reconsiderWithheld(db, clock: clock) }
  }

  /// Records several changes made on this node in one transaction: all of them, or none. Their
  /// bodies come encoded and decoded already (`PreparedBody`), which a bulk writer does on
  /// another core while the previous transaction writes. With `keepingRefused` false, an
  /// operation the reducers refuse rolls the whole transaction back (`OperationsRefused`):
  /// a person's act the rules refuse is an error to them, not a change every node must keep.
  ///
  /// Each is numbered after the chain tip, stamped with the hybrid logical clock (never earlier
  /// than anything already held), signed, and verified like any other; it returns only once they
  /// are durable.
  func appendChanges(
    _ changes: [(body: PreparedBody, audience: Audience)], author: ChangeAuthor, verifier: ChangeVerifier,
    physicalMillis: UInt64, keepingRefused: Bool
  ) throws -> [SignedChange] {
    let signed = try writingLog(origins: [author.origin]) { db in
      let tipRow = try db.firstRow(
        "SELECT sequence, id, hlc_wall, hlc_counter FROM changes WHERE origin = ? ORDER BY sequence DESC LIMIT 1",
        author.origin.rawValue)
      var tip = tipRow.map {
        ChangeAuthor.ChainTip(
          sequence: UInt64($0.integer("sequence")!), id: ChangeID(bytes: $0.bytes("id")!)!)
      }
      // Never earlier than this node's own last stamp, even one withheld or re-timed: its chain's
      // times only increase, except at a clock correction (`correctClockIfAhead`).
      let ownLatest =
        tipRow.map {
          HLCTimestamp(
            wallMillis: UInt64($0.integer("hlc_wall")!), counter: UInt32($0.integer("hlc_counter")!))
        } ?? .zero
      var clock = HybridLogicalClock(latest: max(try latestTime(db), ownLatest))
      var folds = FoldBatch()
      var tips = ChainTips()
      let receivedAt = Date().iso8601
      var revocations = SignerRevocations()
      var signed: [SignedChange] = []
      for (body, audience) in changes {
        // The authority kept another change at the next sequence; this node must receive it first.
        let next = (tip?.sequence ?? 0) + 1
        if let kept = try tips.decisions(db).kept(origin: author.origin, sequence: next) {
          throw StoreError.localChangeRefused(.forkDecided(origin: author.origin, sequence: next, kept: kept))
        }
        let change = try author.sign(
          bodyBytes: body.bytes, audience: audience, after: tip,
          time: clock.tick(physicalMillis: physicalMillis))
        // The drift check guards against other nodes' clocks. A node whose own wall clock stepped
        // back (an NTP correction, a restored virtual machine) keeps recording: its timestamps go
        // on from the latest it holds, and its peers judge them against their own clocks.
        let outcome = try ingestOne(
          change, db: db, verifier: verifier,
          physicalMillis: max(physicalMillis, change.header.time.wallMillis), receivedAt: receivedAt,
          folds: &folds, tips: &tips, revocations: &revocations, prepared: body)
        switch outcome {
        case .stored: break
        case .refused(let refusal), .forkDetected(let refusal): throw StoreError.localChangeRefused(refusal)
        default:
          throw StoreError.localChangeRefused(.malformedHeader(reason: "unexpected outcome \(outcome)"))
        }
        tip = ChangeAuthor.ChainTip(sequence: change.header.sequence, id: change.id)
        signed.append(change)
      }
      // An act under an Idempotency-Key: its key is marked realised in this very transaction.
      if let claim = IdempotentClaim.current, let first = signed.first { try claim.link(first.id, db) }
      try finishWrites(
        folds: &folds, tips: &tips, revocations: &revocations,
        clock: self.clock(at: physicalMillis), db)
      if !keepingRefused {
        let refused = try LogTables.refusals(of: signed.map(\.id), db)
        if !refused.isEmpty { throw OperationsRefused(refusals: refused) }
      }
      return signed
    }
    try replayIfOwed()
    return signed
  }

  /// The latest time in effect of any change that counts here (`notAfter`: of those stamped no
  /// later than that): the floor for this node's next timestamp. A change withheld for being
  /// stamped ahead, or re-timed, never drags this node's clock after it.
  func latestTime(notAfter limit: UInt64 = .max, _ db: StoreConnection) throws -> HLCTimestamp {
    guard
      let row = try db.firstRow(
        """
        SELECT hlc_wall, hlc_counter FROM changes c WHERE hlc_wall <= ?
          AND NOT EXISTS (SELECT 1 FROM withheld_changes w WHERE w.change_id = c.id)
          AND NOT EXISTS (SELECT 1 FROM retimed_changes r WHERE r.change_id = c.id)
        ORDER BY hlc_wall DESC, hlc_counter DESC LIMIT 1
        """, Int64(clamping: limit))
    else { return .zero }
    return HLCTimestamp(
      wallMillis: UInt64(row.integer("hlc_wall")!), counter: UInt32(row.integer("hlc_counter")!))
  }

  func ingestOne(
    _ change: SignedChange, db: StoreConnection, verifier: ChangeVerifier, physicalMillis: UInt64,
    receivedAt: String, folds: inout FoldBatch, tips: inout ChainTips, revocations: inout SignerRevocations,
    signatureChecked: Bool = false, prepared: PreparedBody? = nil
  ) throws -> IngestOutcome {
    let header = change.header
    // The authority decided this fork for another change: this one is evidence elsewhere and
    // nothing new here, however often peers pass it on.
    if let kept = try tips.decisions(db).kept(origin: header.origin, sequence: header.sequence),
      kept != change.id
    {
      return .duplicate
    }
    let chain = try tips.lookup(origin: header.origin, sequence: header.sequence, db)
    let context = IngestContext(
      receiver: node, held: chain.held, predecessor: chain.predecessor, heldThrough: chain.heldThrough,
      signers: try signers(of: header.origin, including: header.signerSHA256, db),
      quarantined: chain.quarantined, physicalMillis: physicalMillis, signatureChecked: signatureChecked,
      prepared: prepared)

    switch verifier.decide(change, context) {
    case .duplicate:
      return .duplicate
    case .refuse(let refusal):
      return .refused(refusal)
    case .fork(let heldID, let other):
      // Peers pass known forks on in every session: a proof already recorded is nothing new, and
      // refusing it again would log the same fork on every round.
      if try db.exists(
        "SELECT 1 FROM fork_proofs WHERE origin = ? AND sequence = ? AND other_id = ?",
        header.origin.rawValue,
        Int64(header.sequence), other.id.bytes)
      {
        return .duplicate
      }
      // Decided already for this change: the proof is kept, the origin is not quarantined, and
      // the change takes the other's place when the transaction ends.
      if try tips.decisions(db).kept(origin: header.origin, sequence: header.sequence) == other.id {
        try recordFork(db, heldID: heldID, other: other, quarantine: false)
        tips.keptChangeArrived()
        return .duplicate
      }
      try recordFork(db, heldID: heldID, other: other)
      tips.quarantined(header.origin)
      return .forkDetected(.fork(origin: header.origin, sequence: header.sequence))
    case .fillBody(let full, let body):
      // Moved to the end of the log: its content is new here, and a live page that showed the
      // stub must hear of it (`arrivals(after:)` reads the log by position).
      try db.run(
        "UPDATE changes SET body = ?, rowid = \(db.nextLogPosition) WHERE id = ?", full.body, full.id.bytes)
      try db.run("DELETE FROM p_wanted_bodies WHERE change_id = ?", full.id.bytes)
      db.enteredLog(full.id)
      tips.filled(full)
      if try registerManifests(in: full, body, db) { tips.manifestRegistered() }
      try LogTables.registerRevocationLists(in: full, body, db)
      if try revocations.anyWithheld(db), try isWithheld(full.id, db) { return .bodyFilled }
      try folds.indexFilled(full, body, db)
      return .bodyFilled
    case .store(let accepted, let announced, let body):
      try db.insertRow(
        LogTables.changeRows, accepted.id.bytes, header.origin.rawValue, Int64(header.sequence),
        Int64(header.time.wallMillis), Int64(header.time.counter), accepted.headerBytes, accepted.signature,
        accepted.body, receivedAt)
      db.enteredLog(accepted.id)
      tips.stored(accepted)
      for chain in announced {
        try registerCertificate(chain, origin: header.origin, announcedIn: accepted.id, db)
      }
      if try registerManifests(in: accepted, body, db) { tips.manifestRegistered() }
      try LogTables.registerRevocationLists(in: accepted, body, db)
      try noteIfWanted(accepted, db)
      // A clock correction: the changes before it stamped later take its time, so those already
      // folded are folded again in their new place.
      if let predecessor = chain.predecessor, !(header.time > predecessor.time) {
        let retimed = try retime(before: accepted, db)
        tips.noteRetimed(retimed.count)
        for id in retimed where try !isWithheld(id, db) { try folds.reorder(id, db) }
      }
      let clock = self.clock(at: physicalMillis)
      if try withholdIfNotCounting(
        accepted, revocations: &revocations, trust: verifier.trust, clock: clock, db)
      {
        return .stored
      }
      try folds.index(accepted, body, db)
      return .stored
    }
  }

  /// A stub of a change this node may read: its body is asked for in every sync until it arrives.
  func noteIfWanted(_ change: SignedChange, _ db: StoreConnection) throws {
    guard change.isStub, change.header.audience.includes(node, origin: change.header.origin) else { return }
    try db.run("INSERT INTO p_wanted_bodies (change_id) VALUES (?) ON CONFLICT DO NOTHING", change.id.bytes)
  }

  private func recordFork(
    _ db: StoreConnection, heldID: ChangeID, other: SignedChange, quarantine: Bool = true
  ) throws {
    guard let held = try db.firstRow("SELECT header, signature FROM changes WHERE id = ?", heldID.bytes)
    else {
      return
    }
    let now = Date().iso8601
    try db.run(
      """
      INSERT INTO fork_proofs
        (origin, sequence, held_id, held_header, held_signature, other_id, other_header, other_signature, detected_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
      """, other.header.origin.rawValue, Int64(other.header.sequence), heldID.bytes, held.bytes("header")!,
      held.bytes("signature")!, other.id.bytes, other.headerBytes, other.signature, now)
    guard quarantine else { return }
    try db.run(
      "INSERT INTO quarantine (origin, sequence, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      other.header.origin.rawValue, Int64(other.header.sequence), now)
  }

  // MARK: The certificate registry

  /// Records a chain an origin announced. Keyed by fingerprint; if two changes announce the same
  /// certificate the smaller change ID is kept, so the table does not depend on arrival order.
  /// Records an announced chain; returns the leaf's fingerprint (what a change it signs names).
  @discardableResult
  func registerCertificate(
    _ ders: [Data], origin: NodeID, announcedIn change: ChangeID, _ db: StoreConnection
  )
    throws -> Data
  {
    let chain = try ders.map { try Certificate(der: $0) }
    guard let leaf = chain.first else { return Data() }
    let pem = try chain.map { String(decoding: try $0.pem(), as: UTF8.self) }.joined()
    try db.run(
      """
      INSERT INTO p_certificates (fingerprint, node, serial, subject, not_before, not_after, chain_pem, announced_in)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (fingerprint) DO UPDATE SET announced_in = \(LogTables.smaller("p_certificates.announced_in"))
      """, leaf.fingerprint, origin.rawValue, leaf.serialHex, leaf.subjectName, leaf.notBefore.iso8601,
      leaf.notAfter.iso8601, pem, change.bytes)
    signerCache.remember(chain, fingerprint: leaf.fingerprint, origin: origin)
    return leaf.fingerprint
  }

  /// The origin's announced chains; read again from the database when `fingerprint` is not
  /// cached, since another process may have registered it.
  func signers(of origin: NodeID, including fingerprint: Data, _ db: StoreConnection) throws
    -> [Data: [Certificate]]
  {
    if let cached = signerCache.chains(of: origin), cached[fingerprint] != nil { return cached }
    var result: [Data: [Certificate]] = [:]
    for row in try db.rows(
      "SELECT fingerprint, chain_pem FROM p_certificates WHERE node = ?", origin.rawValue)
    {
      result[row.bytes("fingerprint")!] = try Certificate.chain(pem: Data(row.string("chain_pem")!.utf8))
    }
    if !result.isEmpty { signerCache.remember(result, origin: origin) }
    return result
  }
}
