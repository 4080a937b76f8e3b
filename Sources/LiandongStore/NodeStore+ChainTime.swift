import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

/// This node's clock as a decision about stamps sees it: now, and how far ahead a change's time
/// may be before it waits (`ChainTime.aheadMillis`).
struct ClockNow {
  var nowMillis: UInt64
  var maximumDriftMillis: UInt64
}

/// The chain-time rule (`ChainTime`) applied to the log: which changes a clock correction
/// re-timed (`retimed_changes`, their time in effect), and which are withheld for being stamped
/// ahead of this node's clock.
extension NodeStore {
  /// The drift limit of this node's configuration (`node.json`), set when its home opens: how far
  /// ahead of this node's clock a change's time may be before it waits.
  public var maximumDriftMillis: UInt64 { driftLimit.withLock { $0 } }

  public func setMaximumDrift(millis: UInt64) { driftLimit.withLock { $0 = millis } }

}

extension LogTables {
  /// A change's time in effect: its stamp, unless a clock correction re-timed it.
  static func timeInEffect(of id: ChangeID, stamp: HLCTimestamp, _ db: StoreConnection) throws -> HLCTimestamp
  {
    guard
      let row = try db.firstRow(
        "SELECT hlc_wall, hlc_counter FROM retimed_changes WHERE change_id = ?", id.bytes)
    else { return stamp }
    return HLCTimestamp(
      wallMillis: UInt64(row.integer("hlc_wall")!), counter: UInt32(row.integer("hlc_counter")!))
  }
}

extension LogWritingStore {
  /// `change` (just stored) stepped back: every earlier change of its chain whose time in effect
  /// is later than its stamp takes that stamp as its time in effect. Returns those re-timed.
  func retime(before change: SignedChange, _ db: StoreConnection) throws -> [ChangeID] {
    let time = change.header.time
    var retimed: [(id: Data, sequence: Int64)] = []
    // From the change back, a page at a time: the run ends long before a long chain does.
    var below = Int64(change.header.sequence)
    paging: while true {
      let page = try db.rows(
        """
        SELECT c.id, c.sequence, coalesce(r.hlc_wall, c.hlc_wall) AS wall,
          coalesce(r.hlc_counter, c.hlc_counter) AS counter
        FROM changes c LEFT JOIN retimed_changes r ON r.change_id = c.id
        WHERE c.origin = ? AND c.sequence < ? ORDER BY c.sequence DESC LIMIT 256
        """, change.header.origin.rawValue, below)
      guard let last = page.last else { break }
      for row in page {
        let inEffect = HLCTimestamp(
          wallMillis: UInt64(row.integer("wall")!), counter: UInt32(row.integer("counter")!))
        // Times in effect never decrease along a chain: the first one not later ends the run.
        guard inEffect > time else { break paging }
        retimed.append((row.bytes("id")!, row.integer("sequence")!))
      }
      below = last.integer("sequence")!
    }
    for (id, sequence) in retimed {
      try db.run(
        """
        INSERT INTO retimed_changes (change_id, origin, sequence, hlc_wall, hlc_counter) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (change_id) DO UPDATE SET hlc_wall = excluded.hlc_wall, hlc_counter = excluded.hlc_counter
        """, id, change.header.origin.rawValue, sequence, Int64(time.wallMillis), Int64(time.counter))
    }
    return retimed.map { ChangeID(bytes: $0.id)! }
  }

  /// Every chain's times in effect derived again from its stamps (`rebuild`): one pass over the
  /// log, each chain from its last change back.
  func deriveTimesInEffect(_ db: StoreConnection) throws {
    try db.run("DELETE FROM retimed_changes")
    var retimed: [(id: Data, origin: String, sequence: Int64, time: HLCTimestamp)] = []
    var origin = ""
    var earliest = HLCTimestamp.zero
    // Read a row at a time (a whole log does not fit in memory as rows); written once read.
    try db.forEachRow(
      "SELECT id, origin, sequence, hlc_wall, hlc_counter FROM changes ORDER BY origin, sequence DESC"
    ) { row in
      let stamp = HLCTimestamp(wallMillis: UInt64(row.int64(3)), counter: UInt32(row.int64(4)))
      let rowOrigin = row.string(1)
      if rowOrigin != origin || stamp <= earliest {
        origin = rowOrigin
        earliest = stamp
        return
      }
      retimed.append((row.data(0), origin, row.int64(2), earliest))
    }
    for change in retimed {
      try db.run(
        "INSERT INTO retimed_changes (change_id, origin, sequence, hlc_wall, hlc_counter) VALUES (?, ?, ?, ?, ?)",
        change.id, change.origin, change.sequence, Int64(change.time.wallMillis), Int64(change.time.counter))
    }
  }

  /// How far `change` lies beyond what `clock` lets count, judged by its time in effect; nil when
  /// it may count.
  func aheadMillis(of change: SignedChange, clock: ClockNow, _ db: StoreConnection) throws -> (
    ahead: UInt64, countsFromMillis: UInt64
  )? {
    // A stamp within the allowance needs no lookup: a time in effect is never later than it.
    guard
      ChainTime.aheadMillis(
        of: change.header.time, nowMillis: clock.nowMillis, maximumDriftMillis: clock.maximumDriftMillis)
        != nil
    else { return nil }
    let time = try LogTables.timeInEffect(of: change.id, stamp: change.header.time, db)
    guard
      let ahead = ChainTime.aheadMillis(
        of: time, nowMillis: clock.nowMillis, maximumDriftMillis: clock.maximumDriftMillis)
    else { return nil }
    return (ahead, time.wallMillis - min(time.wallMillis, clock.maximumDriftMillis))
  }
}

extension ChainClock where Self: LogBackedStore {
  /// Whether a change withheld for being stamped ahead may count by now: the changes the clock
  /// has reached are decided again (`reconsiderWithheld`). Called as each sync session ends and
  /// when a node's home opens; a read when nothing is due.
  @discardableResult
  public func releaseChangesDue(nowMillis: UInt64) throws -> Int {
    let due = try snapshot { db in
      try db.exists(
        "SELECT 1 FROM withheld_changes WHERE counts_from_millis <= ? LIMIT 1", Int64(clamping: nowMillis))
    }
    guard due else { return 0 }
    let log = logWriter.store
    return try log.writingLog(origins: []) { db in
      try log.reconsiderWithheld(db, clock: log.clock(at: nowMillis))
    }
  }

  /// Whether this node's own latest change is stamped further ahead of `nowMillis` than the drift
  /// limit allows: a read, so that the end of every session can ask it cheaply.
  public func ownLatestStampAhead(nowMillis: UInt64) throws -> Bool {
    let log = logWriter.store
    let stamp: Int64? = try snapshot { db in
      try db.firstRow(
        "SELECT hlc_wall FROM changes WHERE origin = ? ORDER BY sequence DESC LIMIT 1", log.node.rawValue)?[
          "hlc_wall"]
    }
    guard let stamp else { return false }
    return ChainTime.aheadMillis(
      of: HLCTimestamp(wallMillis: UInt64(stamp)), nowMillis: nowMillis,
      maximumDriftMillis: log.maximumDriftMillis)
      != nil
  }

  /// Signs a clock correction if this node's own latest change is stamped further ahead of its
  /// clock than the drift limit allows: the caller has checked that its peers agree with its clock
  /// now (`NodeHome.correctClockIfAhead`), so it was the stamps that ran ahead. The correction
  /// takes the latest time this node holds that its clock allows, re-times its changes stamped
  /// later, and lets the node sign on from its own clock.
  public func correctClockIfAhead(author: ChangeAuthor, verifier: ChangeVerifier, physicalMillis: UInt64)
    throws -> ClockCorrection?
  {
    let log = logWriter.store
    let drift = log.maximumDriftMillis
    return try log.writingLog(origins: [author.origin]) { db -> ClockCorrection? in
      guard
        let row = try db.firstRow(
          "SELECT sequence, id, hlc_wall, hlc_counter FROM changes WHERE origin = ? ORDER BY sequence DESC LIMIT 1",
          author.origin.rawValue)
      else { return nil }
      let tipWall = UInt64(row.integer("hlc_wall")!)
      guard
        ChainTime.aheadMillis(
          of: HLCTimestamp(wallMillis: tipWall), nowMillis: physicalMillis, maximumDriftMillis: drift) != nil
      else { return nil }
      let tip = ChangeAuthor.ChainTip(
        sequence: UInt64(row.integer("sequence")!), id: ChangeID(bytes: row.bytes("id")!)!)
      var clock = HybridLogicalClock(latest: try log.latestTime(notAfter: physicalMillis &+ drift, db))
      let body = ChangeBody(
        officer: ChainTime.officer, operations: [DomainOperation(objectID: ObjectID(), action: .correctClock)]
      )
      let change = try author.sign(
        bodyBytes: PreparedBody(body).bytes, audience: .all, after: tip,
        time: clock.tick(physicalMillis: physicalMillis))
      var folds = FoldBatch()
      var tips = ChainTips()
      var revocations = SignerRevocations()
      let outcome = try log.ingestOne(
        change, db: db, verifier: verifier, physicalMillis: physicalMillis, receivedAt: Date().iso8601,
        folds: &folds, tips: &tips, revocations: &revocations)
      switch outcome {
      case .stored: break
      case .refused(let refusal), .forkDetected(let refusal): throw StoreError.localChangeRefused(refusal)
      default: throw StoreError.localChangeRefused(.malformedHeader(reason: "unexpected outcome \(outcome)"))
      }
      let retimed = tips.retimed
      try log.finishWrites(
        folds: &folds, tips: &tips, revocations: &revocations,
        clock: log.clock(at: physicalMillis), db)
      return ClockCorrection(
        change: change.id.hex, sequence: change.header.sequence, retimed: retimed,
        aheadMillis: tipWall - physicalMillis)
    }
  }
}

/// A clock correction this node signed (`NodeStore.correctClockIfAhead`).
public struct ClockCorrection: Codable, Sendable, Equatable {
  public var change: String
  public var sequence: UInt64
  /// How many of this node's changes it re-timed.
  public var retimed: Int
  /// How far ahead of the clock the node's latest change was stamped.
  public var aheadMillis: UInt64

  public var description: String {
    "its changes had run \(ClockAgreement.amountText(millis: Int64(clamping: aheadMillis))) ahead of its clock: "
      + "signed clock correction #\(sequence), which re-times \(retimed) of them to now"
  }
}
