import Foundation
import LiandongCore
import LiandongCrypto

/// Checkpoints kept (`Checkpoint`): this node's own, signed when what it holds has moved, and
/// every other node's that a peer passed on and that checks. What they prove is read from
/// `checkpoint_held`: which nodes held a change, and since when.
extension CheckpointRecords where Self: LogBackedStore {
  /// Per signer, the time of the newest checkpoint held: what a Hello tells the peer.
  public func checkpointMarks() throws -> [NodeID: UInt64] {
    try snapshot { db in
      var marks: [NodeID: UInt64] = [:]
      for row in try db.rows("SELECT signer, max(time_millis) AS time FROM checkpoints GROUP BY signer") {
        guard let node = try? NodeID(row["signer"] as String) else { continue }
        marks[node] = UInt64(row["time"] as Int64)
      }
      return marks
    }
  }

  /// Checkpoints signed after `marks` (per signer; every one of a signer not marked), oldest
  /// first, at most `limit`. Only the times are read per signer (through the key); the bytes
  /// only of those chosen: a new peer is owed every checkpoint held, and must not cost a read of
  /// them all.
  public func checkpoints(after marks: [NodeID: UInt64], limit: Int) throws -> [SignedCheckpoint] {
    try snapshot { db in
      var due: [(signer: String, time: Int64)] = []
      for row in try db.rows("SELECT DISTINCT signer FROM checkpoints ORDER BY signer") {
        let signer: String = row["signer"]
        let mark = (try? NodeID(signer)).flatMap { marks[$0] } ?? 0
        due += try db.rows(
          "SELECT time_millis FROM checkpoints WHERE signer = ? AND time_millis > ? ORDER BY time_millis LIMIT ?",
          signer, Int64(clamping: mark), limit
        ).map { (signer, $0["time_millis"]) }
      }
      let chosen = due.sorted { ($0.time, $0.signer) < ($1.time, $1.signer) }.prefix(limit)
      return try chosen.compactMap { signer, time in
        try db.firstRow(
          "SELECT bytes, signature FROM checkpoints WHERE signer = ? AND time_millis = ?", signer, time
        )
        .flatMap { try? SignedCheckpoint(bytes: $0["bytes"], signature: $0["signature"]) }
      }
    }
  }

  /// Keeps the checkpoints that check against their signer's certificate (known from its
  /// announcements) and the federation CA; returns how many were new, and why the others were
  /// not kept.
  ///
  /// A checkpoint carrying its signer's fork choices puts them in force (`ForkDecisions`) in the
  /// same transaction, and the projections are replayed if that moved changes.
  @discardableResult
  public func keep(_ checkpoints: [SignedCheckpoint], trust: TrustAnchor, now: Date) throws -> (
    kept: Int, problems: [CheckpointProblem]
  ) {
    try logWriter.store.keepCheckpoints(checkpoints, trust: trust, now: now)
  }

  /// Signs and keeps a checkpoint of what this node holds now, unless it holds nothing new since
  /// its last one, or its last one is younger than `interval`: a quiet node signs nothing.
  @discardableResult
  public func checkpointIfMoved(author: ChangeAuthor, now: Date, interval: TimeInterval) throws
    -> SignedCheckpoint?
  {
    let held = try snapshot { try LogTables.tops($0.sql).mapValues(Checkpoint.Held.init) }
    if held.isEmpty { return nil }
    let last = try latestCheckpoint(of: logWriter.store.node)
    if let last {
      if last.checkpoint.held == held { return nil }
      if now.timeIntervalSince(last.checkpoint.time) < interval { return nil }
    }
    let log = logWriter.store
    return try log.writingLog(origins: []) { db in
      let signed = try log.signCheckpoint(author: author, now: now, db)
      _ = try LogTables.insert(signed, db)
      return signed
    }
  }

  /// How many checkpoints this node keeps, its own and its peers'.
  public func checkpointCount() throws -> Int {
    try snapshot { db in try db.firstRow("SELECT count(*) AS n FROM checkpoints")?["n"] ?? 0 }
  }

  /// The newest checkpoint held from `signer`.
  public func latestCheckpoint(of signer: NodeID) throws -> SignedCheckpoint? {
    try snapshot { db in
      try db.firstRow(
        "SELECT bytes, signature FROM checkpoints WHERE signer = ? ORDER BY time_millis DESC LIMIT 1",
        signer.rawValue
      ).flatMap { try? SignedCheckpoint(bytes: $0["bytes"], signature: $0["signature"]) }
    }
  }

  /// The nodes other than its origin that are proven to hold `change`, each with the time of
  /// its earliest checkpoint that does: one naming, at the change's sequence or later, a head
  /// this node holds there (so the checkpoint's chain runs through this very change).
  public func witnesses(of change: ChangeID) throws -> [Witness] {
    try snapshot { db in
      guard
        let row = try db.firstRow("SELECT header, signature FROM changes WHERE id = ?", change.bytes),
        let held = try? SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil)
      else { return [] }
      return try LogTables.witnesses(of: held.header, id: change, db)
    }
  }

  /// The furthest any checkpoint held (another node's, or this node's own, passed back by a peer)
  /// shows this node's own chain, when that is beyond what this node holds: it lost changes it
  /// signed (restored from a backup, a virtual machine rolled back to a snapshot), and its next
  /// change would fork its chain. A checkpoint naming a change a fork decision set aside does not
  /// count. Nil when nothing shows more than this node holds.
  public func ownChainBeyond() throws -> OwnChainBeyond? {
    let node = logWriter.store.node.rawValue
    return try snapshot { db in
      let held: Int64 =
        try db.firstRow("SELECT max(sequence) AS held FROM changes WHERE origin = ?", node)?["held"] ?? 0
      guard
        let row = try db.firstRow(
          """
          SELECT signer, sequence, time_millis FROM checkpoint_held
          WHERE origin = ? AND sequence > ? AND head NOT IN (SELECT id FROM superseded_changes)
          ORDER BY sequence DESC, time_millis LIMIT 1
          """, node, held)
      else { return nil }
      return OwnChainBeyond(
        held: UInt64(held), sequence: UInt64(row["sequence"] as Int64), signer: row["signer"],
        time: Date(timeIntervalSince1970: Double(row["time_millis"] as Int64) / 1000).iso8601)
    }
  }
}

extension LogWritingStore {
  func keepCheckpoints(_ checkpoints: [SignedCheckpoint], trust: TrustAnchor, now: Date) throws -> (
    kept: Int, problems: [CheckpointProblem]
  ) {
    // A signer's fork choices move its chain: its head is held while they are applied.
    let choosing = Set(checkpoints.filter { !$0.checkpoint.forks.isEmpty }.map(\.checkpoint.node))
    let result = try writingLog(origins: choosing.sorted { $0.rawValue < $1.rawValue }) { db in
      var kept = 0
      var choices = false
      var problems: [CheckpointProblem] = []
      for signed in checkpoints {
        let checkpoint = signed.checkpoint
        let chains = try signers(of: checkpoint.node, including: checkpoint.signerSHA256, db)
        do throws(CheckpointProblem) {
          try signed.check(signer: chains[checkpoint.signerSHA256] ?? [], trust: trust, now: now)
        } catch {
          problems.append(error)
          continue
        }
        if try LogTables.insert(signed, db) {
          kept += 1
          choices = choices || !checkpoint.forks.isEmpty
        }
      }
      if choices {
        var tips = ChainTips()
        tips.forkChoicesChanged()
        _ = try applyForkDecisions(db, tips: &tips)
      }
      // A withheld change that one of them witnesses in time counts from now on.
      if kept > 0 { _ = try reconsiderWithheld(db, clock: clock(at: now.unixMillis)) }
      return (kept, problems)
    }
    try replayIfOwed()
    return result
  }

  /// A checkpoint of what this node holds now, with its operator's fork choices, strictly after
  /// its last one whatever the clock says: (signer, time) names a checkpoint.
  func signCheckpoint(author: ChangeAuthor, now: Date, _ db: StoreConnection) throws -> SignedCheckpoint {
    let held = try LogTables.tops(db.sql).mapValues(Checkpoint.Held.init)
    let last: Int64 =
      try db.firstRow("SELECT max(time_millis) AS last FROM checkpoints WHERE signer = ?", node.rawValue)?[
        "last"]
      ?? 0
    let checkpoint = Checkpoint(
      suite: CryptoSuite(signingKey: author.key.algorithm), node: node,
      timeMillis: max(now.unixMillis, UInt64(max(0, last)) + 1), held: held,
      signerSHA256: author.certificateFingerprint, forks: try LogTables.ownChoices(db))
    return try SignedCheckpoint(signing: checkpoint, with: author.key)
  }
}

extension LogTables {
  /// Keeps a checked checkpoint, what it shows held and its fork choices; false if it was kept
  /// already.
  static func insert(_ signed: SignedCheckpoint, _ db: StoreConnection) throws -> Bool {
    let checkpoint = signed.checkpoint
    let inserted = try db.rows(
      """
      INSERT INTO checkpoints (signer, time_millis, bytes, signature, received_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING RETURNING signer
      """, checkpoint.node.rawValue, Int64(clamping: checkpoint.timeMillis), signed.bytes, signed.signature,
      Date().iso8601)
    guard !inserted.isEmpty else { return false }
    for (origin, held) in checkpoint.held {
      try db.run(
        """
        INSERT INTO checkpoint_held (origin, sequence, signer, time_millis, head, signer_sha256)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
        """, origin.rawValue, Int64(clamping: held.sequence), checkpoint.node.rawValue,
        Int64(clamping: checkpoint.timeMillis), held.head.bytes, checkpoint.signerSHA256)
    }
    try recordForkChoices(of: checkpoint, db)
    return true
  }

  /// Records the fork choices a kept checkpoint carries (`fork_choices`).
  static func recordForkChoices(of checkpoint: Checkpoint, _ db: StoreConnection) throws {
    for (sequence, keep) in checkpoint.forks {
      try db.run(
        """
        INSERT INTO fork_choices (origin, sequence, time_millis, keep, signer_sha256) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """, checkpoint.node.rawValue, Int64(clamping: sequence), Int64(clamping: checkpoint.timeMillis),
        keep.bytes, checkpoint.signerSHA256)
    }
  }

  /// This node's operator's decisions so far, by sequence.
  static func ownChoices(_ db: StoreConnection) throws -> [UInt64: ChangeID] {
    var choices: [UInt64: ChangeID] = [:]
    for row in try db.rows("SELECT sequence, keep FROM own_fork_choices") {
      if let keep = ChangeID(bytes: row["keep"]) { choices[UInt64(row["sequence"] as Int64)] = keep }
    }
    return choices
  }
}

/// A node proven, by its own signed checkpoint, to have held a change no later than `since`.
public struct Witness: Sendable, Equatable, Codable {
  public var node: NodeID
  public var sinceMillis: UInt64
  public init(node: NodeID, sinceMillis: UInt64) {
    self.node = node
    self.sinceMillis = sinceMillis
  }
  public var since: Date { Date(timeIntervalSince1970: TimeInterval(sinceMillis) / 1000) }
}

/// A checkpoint that shows this node's own chain beyond what it holds (`NodeStore.ownChainBeyond`).
public struct OwnChainBeyond: Codable, Sendable, Equatable {
  /// The highest sequence of its own this node holds.
  public var held: UInt64
  /// The highest one a checkpoint shows held, by `signer` at `time`.
  public var sequence: UInt64
  public var signer: String
  public var time: String
}

extension LogTables {
  /// The checkpoints `h` that prove their signer held a change (`holdingChangeAt` binds its
  /// origin and sequence): each names, at that sequence or later, a head this node holds there,
  /// so its chain runs through the change. `r` is when the signer's certificate was revoked, if
  /// it was (the revocation rule, receipts and bundles count a checkpoint only if not by then).
  static let checkpointsHolding = """
    checkpoint_held h
    JOIN changes c ON c.origin = h.origin AND c.sequence = h.sequence AND c.id = h.head
    LEFT JOIN revocations r ON r.fingerprint = h.signer_sha256
    """
  static let holdingChangeAt = "h.origin = ? AND h.sequence >= ?"
  static let signerUnrevokedThen = "(r.revoked_at_millis IS NULL OR r.revoked_at_millis > h.time_millis)"

  /// The nodes other than `header`'s origin whose checkpoints prove they hold the change, each
  /// since its earliest such checkpoint (`NodeStore.witnesses(of:)`).
  static func witnesses(of header: ChangeHeader, id: ChangeID, _ db: StoreConnection) throws -> [Witness] {
    let origin = header.origin.rawValue
    return try db.rows(
      """
      SELECT h.signer, min(h.time_millis) AS since FROM \(LogTables.checkpointsHolding)
      WHERE \(LogTables.holdingChangeAt) AND h.signer <> ?
      GROUP BY h.signer ORDER BY since, h.signer
      """, origin, Int64(header.sequence), origin
    ).compactMap { row in
      guard let node = try? NodeID(row["signer"] as String) else { return nil }
      return Witness(node: node, sinceMillis: UInt64(row["since"] as Int64))
    }
  }
}
