import Foundation
import LiandongCore

/// What one write transaction knows of each origin's chain: the highest sequence held, the change
/// there, and whether the origin is quarantined. A batch from a peer holds thousands of
/// consecutive changes of few origins; asking the database four questions per change about facts the
/// previous change of the batch just settled was a tenth of a sync's time. Valid only inside the
/// transaction that built it, and kept true by telling it what the transaction writes.
struct ChainTips {
  private struct Tip {
    var through: UInt64
    var head: HeldChange?
    var quarantined: Bool
  }

  private var tips: [NodeID: Tip] = [:]
  /// The fork decisions in force, read once per transaction and again after a manifest arrives.
  private var decisionsInForce: ForkDecisions?
  /// A manifest, or a change a decision keeps, arrived in this transaction: the decisions are
  /// applied before it ends.
  private(set) var decisionsToApply = false

  /// The held change at `sequence`, the one before it, the highest sequence held and the
  /// quarantine, as the verifier needs them.
  mutating func lookup(origin: NodeID, sequence: UInt64, _ db: StoreConnection) throws -> (
    held: HeldChange?, predecessor: HeldChange?, heldThrough: UInt64, quarantined: Bool
  ) {
    let tip = try self.tip(of: origin, db)
    func held(at wanted: UInt64) throws -> HeldChange? {
      if wanted == 0 || wanted > tip.through { return nil }
      if wanted == tip.through { return tip.head }
      return try Self.change(origin: origin, sequence: wanted, db)
    }
    let predecessor = sequence > 1 ? try held(at: sequence - 1) : nil
    return (try held(at: sequence), predecessor, tip.through, tip.quarantined)
  }

  /// A change was stored at the next sequence of its origin.
  mutating func stored(_ change: SignedChange) {
    let header = change.header
    guard var tip = tips[header.origin], header.sequence == tip.through + 1 else {
      tips[header.origin] = nil
      return
    }
    tip.through = header.sequence
    tip.head = HeldChange(id: change.id, time: header.time, hasBody: !change.isStub)
    tips[header.origin] = tip
  }

  /// A held stub received its body.
  mutating func filled(_ change: SignedChange) {
    if tips[change.header.origin]?.head?.id == change.id { tips[change.header.origin]?.head?.hasBody = true }
  }

  /// The fork decisions in force (`NodeStore+ForkDecisions.swift`).
  mutating func decisions(_ db: StoreConnection) throws -> ForkDecisions {
    if let decisionsInForce { return decisionsInForce }
    let read = try LogTables.forkDecisions(db)
    decisionsInForce = read
    return read
  }

  /// A change registered a manifest, which may decide forks.
  mutating func manifestRegistered() {
    decisionsToApply = true
    decisionsInForce = nil
  }

  /// A checkpoint carrying an origin's fork choice was kept, or a CRL put in force: the
  /// decisions are read and applied again.
  mutating func forkChoicesChanged() {
    decisionsToApply = true
    decisionsInForce = nil
  }

  /// The change a decision keeps arrived where this node holds the other: it takes its place
  /// when the transaction ends.
  mutating func keptChangeArrived() {
    decisionsToApply = true
  }

  /// How many changes clock corrections stored in this transaction re-timed (`ChainTime`): those
  /// withheld as stamped ahead are decided again before it ends.
  private(set) var retimed = 0

  mutating func noteRetimed(_ count: Int) { retimed += count }

  /// The origin's chain or quarantine changed under a decision: read it again.
  mutating func forget(_ origin: NodeID) {
    tips[origin] = nil
  }

  /// A fork of this origin was recorded: it is quarantined from now on.
  mutating func quarantined(_ origin: NodeID) {
    tips[origin]?.quarantined = true
  }

  private mutating func tip(of origin: NodeID, _ db: StoreConnection) throws -> Tip {
    if let known = tips[origin] { return known }
    let head = try db.firstRow(
      """
      SELECT sequence, id, hlc_wall, hlc_counter, body IS NOT NULL AS has_body FROM changes
      WHERE origin = ? ORDER BY sequence DESC LIMIT 1
      """, origin.rawValue)
    let quarantined = try db.exists("SELECT 1 FROM quarantine WHERE origin = ?", origin.rawValue)
    let tip = Tip(
      through: head.map { UInt64($0.integer("sequence")!) } ?? 0, head: head.map(Self.heldChange),
      quarantined: quarantined)
    tips[origin] = tip
    return tip
  }

  static func change(origin: NodeID, sequence: UInt64, _ db: StoreConnection) throws -> HeldChange? {
    try db.firstRow(
      "SELECT id, hlc_wall, hlc_counter, body IS NOT NULL AS has_body FROM changes WHERE origin = ? AND sequence = ?",
      origin.rawValue, Int64(sequence)
    ).map(heldChange)
  }

  private static func heldChange(_ row: SQLRow) -> HeldChange {
    HeldChange(
      id: ChangeID(bytes: row.bytes("id")!)!,
      time: HLCTimestamp(
        wallMillis: UInt64(row.integer("hlc_wall")!), counter: UInt32(row.integer("hlc_counter")!)),
      hasBody: row.integer("has_body") == 1)
  }
}
