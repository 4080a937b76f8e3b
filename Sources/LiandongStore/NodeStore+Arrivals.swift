import Foundation
import LiandongCore

/// The log in the order this node stored it: each change's position (its row) only grows, so
/// a reader that remembers the last position it saw misses nothing and sees nothing twice at
/// one position. A stub whose body arrives later moves to a new position at the end: a reader
/// that saw the stub hears of its content. (A fork decision deletes only changes stored before
/// the manifest that carries it, so the positions it frees are never the last ones.)
extension SyncRecords where Self: SQLBackedStore {
  /// Changes stored after `position`, oldest first, at most `limit`.
  public func arrivals(after position: Int64, limit: Int) throws -> [(position: Int64, change: SignedChange)]
  {
    try snapshot { db in
      try db.rows(
        "SELECT rowid, header, signature, body FROM changes WHERE rowid > ? ORDER BY rowid LIMIT ?", position,
        limit
      ).map {
        (
          $0["rowid"],
          try SignedChange(headerBytes: $0["header"], signature: $0["signature"], body: $0["body"])
        )
      }
    }
  }

  /// The position of the last change stored (0 when none is).
  public func lastArrival() throws -> Int64 {
    try snapshot { db in try db.firstRow("SELECT coalesce(max(rowid), 0) AS last FROM changes")?["last"] ?? 0
    }
  }
}
