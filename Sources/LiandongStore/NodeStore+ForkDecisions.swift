import Foundation
import GRDB
import LiandongCore

/// Fork decisions (`ForkDecisions`), the authority's and the origins' operators', applied to the
/// log. At each decided fork the kept change is the one held: a node that holds the other moves
/// it, and whatever its origin signed after it on that branch, to `superseded_changes` (evidence,
/// never folded, never served), and takes the kept change in its place, from a fork proof as a
/// stub or from an earlier supersession with its body; sync brings the rest of the kept branch.
/// An origin whose every fork is decided is no longer quarantined. The projections are then
/// replayed from the log.
extension LogTables {
  /// The decisions in force, from every manifest this node holds and the fork choices of the
  /// checkpoints it holds whose certificates no CRL in force revokes.
  static func forkDecisions(_ db: StoreConnection) throws -> ForkDecisions {
    let manifests = try db.rows("SELECT sha256, document FROM p_manifests").compactMap {
      row -> (manifest: FederationManifest, sha256: Data)? in
      guard let manifest = try? FederationManifest.parse(row.bytes("document")!), !manifest.forks.isEmpty
      else {
        return nil
      }
      return (manifest, row.bytes("sha256")!)
    }
    let choices = try db.rows(
      """
      SELECT DISTINCT origin, sequence, keep FROM fork_choices
      WHERE signer_sha256 NOT IN (SELECT fingerprint FROM revocations)
      ORDER BY origin, sequence, keep
      """
    ).compactMap { row -> OriginForkChoice? in
      guard let origin = try? NodeID(row.string("origin")!), let keep = ChangeID(bytes: row.bytes("keep")!)
      else {
        return nil
      }
      return OriginForkChoice(origin: origin, sequence: UInt64(row.integer("sequence")!), keep: keep)
    }
    return ForkDecisions(manifests: manifests, originChoices: choices)
  }

  /// Marks that the projections must be replayed (`replayIfOwed`), at the latest when the store
  /// opens next.
  static func oweReplay(_ db: StoreConnection) throws {
    try db.run("INSERT INTO store_flags (name) VALUES (?) ON CONFLICT DO NOTHING", replayFlag)
  }

  static let replayFlag = "replay-after-fork-decision"
  static let ownChainFlag = "own-chain-cut-by-fork-decision"
}

extension LogWritingStore {
  /// Brings the log in line with the decisions in force; true when it moved any change, so the
  /// projections must be replayed (`replayIfOwed`). An origin is quarantined exactly while a fork
  /// of it is not decided: a decision can lapse (its origin's certificate revoked, a contrary
  /// choice signed with its key), and the origin then waits for the authority again.
  func applyForkDecisions(_ db: StoreConnection, tips: inout ChainTips) throws -> Bool {
    let decisions = try tips.decisions(db)
    var moved = false
    for (fork, kept) in decisions.kept.sorted(by: {
      ($0.key.origin, $0.key.sequence) < ($1.key.origin, $1.key.sequence)
    }) {
      let held = try db.firstRow(
        "SELECT id FROM changes WHERE origin = ? AND sequence = ?", fork.origin.rawValue, Int64(fork.sequence)
      )?.bytes("id")
      if held == kept.bytes { continue }
      if held != nil {
        try supersede(origin: fork.origin, from: fork.sequence, db)
        moved = true
      }
      if try restore(kept, origin: fork.origin, sequence: fork.sequence, db) { moved = true }
      tips.forget(fork.origin)
    }
    let forkedOrigins = Set(
      try db.rows("SELECT DISTINCT origin FROM fork_proofs").compactMap { $0.string("origin") })
    let quarantined = Set(try db.rows("SELECT origin FROM quarantine").compactMap { $0.string("origin") })
    for origin in forkedOrigins.union(quarantined).sorted() {
      guard let node = try? NodeID(origin) else { continue }
      let forked = try db.rows("SELECT sequence FROM fork_proofs WHERE origin = ? ORDER BY sequence", origin)
        .compactMap { $0.integer("sequence") }
      let undecided = forked.first { decisions.kept(origin: node, sequence: UInt64($0)) == nil }
      if let undecided, !quarantined.contains(origin) {
        try db.run(
          "INSERT INTO quarantine (origin, sequence, since) VALUES (?, ?, ?)", origin, undecided,
          Date().iso8601)
        tips.forget(node)
      } else if undecided == nil, quarantined.contains(origin) {
        try db.run("DELETE FROM quarantine WHERE origin = ?", origin)
        tips.forget(node)
      }
    }
    if moved { try LogTables.oweReplay(db) }
    return moved
  }

  /// Moves the origin's changes from `sequence` on out of the log, keeping them whole.
  private func supersede(origin: NodeID, from sequence: UInt64, _ db: StoreConnection) throws {
    try db.run(
      """
      INSERT INTO superseded_changes
        (id, origin, sequence, hlc_wall, hlc_counter, header, signature, body, received_at, superseded_at)
      SELECT id, origin, sequence, hlc_wall, hlc_counter, header, signature, body, received_at, ?
      FROM changes WHERE origin = ? AND sequence >= ? ON CONFLICT DO NOTHING
      """, Date().iso8601, origin.rawValue, Int64(sequence))
    if origin == node {
      try db.run("INSERT INTO store_flags (name) VALUES (?) ON CONFLICT DO NOTHING", LogTables.ownChainFlag)
    }
    try db.run("DELETE FROM changes WHERE origin = ? AND sequence >= ?", origin.rawValue, Int64(sequence))
  }

  /// Puts the kept change in its place when this node has its signed header: whole if it was
  /// superseded here before, else as a stub whose body sync fetches. Only right after the
  /// change before it, so the chain stays without a gap.
  private func restore(_ kept: ChangeID, origin: NodeID, sequence: UInt64, _ db: StoreConnection) throws
    -> Bool
  {
    let before = try db.firstRow(
      "SELECT sequence, id FROM changes WHERE origin = ? ORDER BY sequence DESC LIMIT 1", origin.rawValue)
    guard (before?.integer("sequence") ?? 0) == Int64(sequence - 1) else { return false }
    let found: SignedChange
    if let row = try db.firstRow(
      "SELECT header, signature, body FROM superseded_changes WHERE id = ?", kept.bytes)
    {
      found = try SignedChange(
        headerBytes: row.bytes("header")!, signature: row.bytes("signature")!, body: row.bytes("body"))
      try db.run("DELETE FROM superseded_changes WHERE id = ?", kept.bytes)
    } else if let row = try db.firstRow(
      """
      SELECT CASE WHEN held_id = ? THEN held_header ELSE other_header END AS header,
             CASE WHEN held_id = ? THEN held_signature ELSE other_signature END AS signature
      FROM fork_proofs WHERE held_id = ? OR other_id = ? LIMIT 1
      """, kept.bytes, kept.bytes, kept.bytes, kept.bytes)
    {
      found = try SignedChange(
        headerBytes: row.bytes("header")!, signature: row.bytes("signature")!, body: nil)
    } else {
      return false
    }
    let header = found.header
    guard header.origin == origin, header.sequence == sequence, header.previous?.bytes == before?.bytes("id")
    else { return false }
    try db.run(
      """
      INSERT INTO changes (id, origin, sequence, hlc_wall, hlc_counter, header, signature, body, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, found.id.bytes, origin.rawValue, Int64(sequence), Int64(header.time.wallMillis),
      Int64(header.time.counter), found.headerBytes, found.signature, found.body, Date().iso8601)
    db.enteredLog(found.id)
    return true
  }
}

extension NodeStore {
  /// Replays the projections if a fork decision moved changes, or the revocations in force
  /// changed, since the last replay: right after the transaction that owed it, and on opening the
  /// store if a crash came in between.
  func replayIfOwed() throws {
    let pending = try read { db in
      try Bool.fetchOne(
        db, sql: "SELECT 1 FROM store_flags WHERE name = ?", arguments: [LogTables.replayFlag])
    }
    guard pending == true else { return }
    // A damaged body stops the replay until sync brings a good copy (`rebuild`); what was
    // received is stored either way, and the next transaction tries again.
    do { try rebuild() } catch StoreError.bodiesDamaged {}
  }
}

extension ChangeLog where Self: SQLBackedStore {
  /// Changes this node took out of its log by a fork decision: evidence, with no effect.
  public func supersededChanges() throws -> [SupersededChangeView] {
    try snapshot { db in
      try db.rows(
        "SELECT id, origin, sequence, superseded_at FROM superseded_changes ORDER BY origin, sequence"
      ).map {
        SupersededChangeView(
          id: ($0["id"] as Data).hex, origin: $0["origin"], sequence: UInt64($0["sequence"] as Int64),
          supersededAt: $0["superseded_at"])
      }
    }
  }
}

/// A change taken out of the log because the authority decided its fork for another.
public struct SupersededChangeView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var sequence: UInt64
  public var supersededAt: String
}

/// This node's operator deciding a fork of its own chain.
extension OwnForks where Self: LogBackedStore {
  /// Whether a fork decision took this node's own latest changes out of its log: the kept
  /// branch may go further on its peers, so the node must hear from them before it signs again
  /// (`NodeHome` turns this into the restored node's catch-up, then clears it).
  public func ownChainCut() throws -> Bool {
    try snapshot { db in try db.exists("SELECT 1 FROM store_flags WHERE name = ?", LogTables.ownChainFlag) }
  }

  public func clearOwnChainCut() throws {
    try writingStore { db in try db.run("DELETE FROM store_flags WHERE name = ?", LogTables.ownChainFlag) }
  }

  /// Decides which of the two changes this node signed at one sequence stands: a checkpoint
  /// signed now carries the choice (and every earlier one, `own_fork_choices`), and the decision
  /// is applied here in the same transaction, as every node that receives the checkpoint applies
  /// it. `change` is the kept change's ID or its first 8 or more hex digits. Deciding again for
  /// the same change changes nothing.
  public func keepOwnFork(_ change: String, author: ChangeAuthor, now: Date) throws -> OwnForkChoice {
    let log = logWriter.store
    let node = log.node
    let choice = try log.writingLog(origins: [node]) { db -> OwnForkChoice in
      let (sequence, kept) = try LogTables.ownFork(naming: change, node: node, db)
      if try db.exists("SELECT 1 FROM revocations WHERE fingerprint = ?", author.certificateFingerprint) {
        throw ForkChoiceError.certificateRevoked(node: node.rawValue)
      }
      var tips = ChainTips()
      let decisions = try tips.decisions(db)
      if let standing = decisions.kept(origin: node, sequence: sequence) {
        guard standing == kept else {
          let by = decisions.decider(origin: node, sequence: sequence) ?? .authority
          throw ForkChoiceError.decided(
            kept: standing.hex, by: by == .authority ? "the federation authority" : "\(node)'s operator")
        }
        return OwnForkChoice(sequence: sequence, kept: kept.hex, alreadyDecided: true)
      }
      if decisions.isContested(origin: node, sequence: sequence) { throw ForkChoiceError.contested }
      try db.run(
        """
        INSERT INTO own_fork_choices (sequence, keep, decided_at) VALUES (?, ?, ?)
        ON CONFLICT (sequence) DO UPDATE SET keep = excluded.keep, decided_at = excluded.decided_at
        """, Int64(sequence), kept.bytes, now.iso8601)
      let signed = try log.signCheckpoint(author: author, now: now, db)
      _ = try LogTables.insert(signed, db)
      tips.forkChoicesChanged()
      _ = try log.applyForkDecisions(db, tips: &tips)
      return OwnForkChoice(sequence: sequence, kept: kept.hex, alreadyDecided: false)
    }
    try log.replayIfOwed()
    return choice
  }
}

extension LogTables {
  /// The fork of this node's own chain one of whose changes `prefix` names, and that change.
  fileprivate static func ownFork(naming prefix: String, node: NodeID, _ db: StoreConnection) throws -> (
    UInt64, ChangeID
  ) {
    let wanted = prefix.lowercased()
    guard wanted.count >= 8, wanted.allSatisfy(\.isHexDigit) else {
      throw ForkChoiceError.notFound(change: prefix, node: node.rawValue)
    }
    var found: [(origin: String, sequence: UInt64, id: Data)] = []
    for row in try db.rows("SELECT origin, sequence, held_id, other_id FROM fork_proofs") {
      for column in ["held_id", "other_id"] {
        let id: Data = row[column]
        if id.hex.hasPrefix(wanted) { found.append((row["origin"], UInt64(row["sequence"] as Int64), id)) }
      }
    }
    let distinct = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    guard distinct.count == 1, let match = distinct.values.first, let id = ChangeID(bytes: match.id) else {
      throw ForkChoiceError.notFound(change: prefix, node: node.rawValue)
    }
    guard match.origin == node.rawValue else { throw ForkChoiceError.otherOrigin(origin: match.origin) }
    return (match.sequence, id)
  }
}

/// A fork of this node's own chain its operator decided (`NodeStore.keepOwnFork`).
public struct OwnForkChoice: Codable, Sendable, Equatable {
  public var sequence: UInt64
  /// The change that stands, as 64 hex digits.
  public var kept: String
  /// This node's operator had made the same decision before: nothing was signed.
  public var alreadyDecided: Bool
}
