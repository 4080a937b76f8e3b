import Foundation
import LiandongCore

/// The log in the order this node stored it: each change's position only grows, so
/// a reader that remembers the last position it saw misses nothing and sees nothing twice at
/// one position. A stub whose body arrives later moves to a new position at the end: a reader
/// that saw the stub hears of its content. (A fork decision deletes only changes stored before
/// the manifest that carries it, so the positions it frees are never the last ones.)
extension SyncRecords where Self: SQLBackedStore {
  /// Changes stored after `position`, oldest first, at most `limit`.
  public func arrivals(after position: Int64, limit: Int) throws -> [(position: Int64, change: SignedChange)]
  {
    try snapshot { db in
      try db.rows(db.arrivalsQuery, position, limit).map {
        (
          $0["rowid"],
          try SignedChange(headerBytes: $0["header"], signature: $0["signature"], body: $0["body"])
        )
      }
    }
  }

  /// The position of the last change stored (0 when none is).
  public func lastArrival() throws -> Int64 {
    try snapshot { db in try db.firstRow(db.lastArrivalQuery)?["last"] ?? 0 }
  }
}

extension StoreConnection {
  /// Where each engine keeps the log's order of arrival: SQLite's `changes.rowid`, which its one
  /// writer takes in commit order; PostgreSQL's `log_order`, numbered as transactions commit
  /// (`PostgresLogOrder.swift`).
  fileprivate var arrivalsQuery: String {
    switch self {
    case .sqlite: "SELECT rowid, header, signature, body FROM changes WHERE rowid > ? ORDER BY rowid LIMIT ?"
    case .postgres:
      """
      SELECT o.position AS rowid, c.header, c.signature, c.body
      FROM log_order o JOIN changes c ON c.id = o.change_id
      WHERE o.position > ? ORDER BY o.position LIMIT ?
      """
    }
  }

  fileprivate var lastArrivalQuery: String {
    switch self {
    case .sqlite: "SELECT coalesce(max(rowid), 0) AS last FROM changes"
    case .postgres: "SELECT coalesce(max(position), 0) AS last FROM log_order"
    }
  }
}
