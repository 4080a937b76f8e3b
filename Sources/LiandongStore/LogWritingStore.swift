import Foundation
import LiandongCore
import LiandongCrypto
import Synchronization

/// A store whose change log is written by the one implementation of the log's rules
/// (`NodeStore+Ingest.swift` and the files it calls: chain tips, forks and their decisions,
/// chain time, revocations, the fold), whichever its engine: the SQLite store and the hub's
/// PostgreSQL store both are, so a peer's change is decided alike on either.
protocol LogWritingStore: Sendable {
  var node: NodeID { get }
  var signerCache: SignerCache { get }
  /// How far ahead of this node's clock a change's time may be before it waits.
  var maximumDriftMillis: UInt64 { get }
  /// Runs `body` in one write transaction, durable when it returns. Its chain rules hold for
  /// every origin `origins` names while it runs, even with other processes writing the same
  /// database (the PostgreSQL store locks each origin's head; SQLite has one writer).
  func writingLog<T>(origins: [NodeID], _ body: (StoreConnection) throws -> T) throws -> T
  /// Runs `body` on the store, writing nothing: in one read transaction on SQLite, each
  /// statement on its own snapshot on PostgreSQL (its callers ask one question).
  func readingLog<T>(_ body: (StoreConnection) throws -> T) throws -> T
  /// Replays the projections if a fork decision or a change of revocations asked for it.
  func replayIfOwed() throws
  /// Empties every table folded from the log, for a replay (`replayLog`).
  func emptyDerivedTables(_ db: StoreConnection) throws
}

/// A store whose change log `LogWritingStore`'s code writes, as the public roles written once for
/// both engines reach it (checkpoints, revocations, the log's clock, own forks); sealed, so that
/// nothing outside this module can.
public protocol LogBackedStore: SQLBackedStore {
  var logWriter: SealedLogWriter { get }
}

public struct SealedLogWriter: Sendable {
  let store: any LogWritingStore
}

/// Announced certificate chains by origin and fingerprint. It only grows (a rebuild yields the
/// same), so a cache is safe even with several processes on one database.
final class SignerCache: Sendable {
  private let chains = Mutex<[NodeID: [Data: [Certificate]]]>([:])

  func chains(of origin: NodeID) -> [Data: [Certificate]]? { chains.withLock { $0[origin] } }

  func remember(_ chain: [Certificate], fingerprint: Data, origin: NodeID) {
    chains.withLock { $0[origin, default: [:]][fingerprint] = chain }
  }

  func remember(_ found: [Data: [Certificate]], origin: NodeID) {
    chains.withLock { $0[origin] = found }
  }

  /// A rolled-back transaction may have cached certificates it never stored.
  func forget() { chains.withLock { $0.removeAll() } }
}

extension LogWritingStore {
  /// This node's clock at `nowMillis` (default: now), with its drift limit.
  func clock(at nowMillis: UInt64 = Date().unixMillis) -> ClockNow {
    ClockNow(nowMillis: nowMillis, maximumDriftMillis: maximumDriftMillis)
  }
}

/// The change log's tables as both engines read and write them, where no store's state is
/// needed (each concept's file extends it: fork decisions, chain time, revocation lists).
enum LogTables {
  /// Every table folded from the log, in both engines: the projections, then the operation
  /// index, what the log's rules derive and the keys alerts stand on (the SQLite store adds its
  /// search indexes).
  static let derivedTables =
    ProjectionDigest.tables.map(\.table) + [
      "p_operations", "p_wanted_bodies", "withheld_changes", "retimed_changes",
    ] + AlertKeys.tables

  /// A change's row in the log.
  static let changeRows = RowInserts(
    "changes", rowsPerStatement: 32,
    columns: [
      "id", "origin", "sequence", "hlc_wall", "hlc_counter", "header", "signature", "body", "received_at",
    ])

  /// `ON CONFLICT ... DO UPDATE SET column = ` the smaller of `column` (qualified by its table)
  /// and the row offered: a registry keeps the smallest change ID that brought an entry, so it
  /// does not depend on arrival order. (SQLite's two-argument `MIN` is PostgreSQL's `LEAST`.)
  static func smaller(_ column: String) -> String {
    let offered = "excluded." + column.split(separator: ".").last!
    return "CASE WHEN \(offered) < \(column) THEN \(offered) ELSE \(column) END"
  }

  /// The refused operations of these changes, 500 to a query.
  static func refusals(of changes: [ChangeID], _ db: StoreConnection) throws -> [OperationRefusal] {
    try db.rows(ofKeys: changes.map(\.hex)) { placeholders in
      "SELECT * FROM p_refusals WHERE change_id IN (\(placeholders)) ORDER BY change_id, op_index"
    }.map(refusal)
  }

  static func refusal(_ row: SQLRow) -> OperationRefusal {
    OperationRefusal(
      change: row.string("change_id")!, index: Int(row.integer("op_index")!),
      objectID: row.string("object_id")!,
      origin: row.string("origin")!, code: row.string("code")!, reason: row.string("reason")!)
  }
}
