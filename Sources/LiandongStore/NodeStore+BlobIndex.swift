import Foundation
import GRDB
import LiandongCore

/// The blob index over SQLite: `blobs` (complete files), `blob_partials` (transfers and their
/// durable offsets), and the evidence projections that decide who may be served a file.
extension NodeStore: BlobIndex {
  public func blobCounts() throws -> BlobCounts {
    try read { db in
      let held = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(size), 0) FROM blobs")!
      let partial = try Int.fetchOne(db, sql: "SELECT count(*) FROM blob_partials") ?? 0
      let damaged =
        try Int.fetchOne(db, sql: "SELECT count(*) FROM blob_damage WHERE repaired_at IS NULL") ?? 0
      return BlobCounts(held: held[0], heldBytes: held[1], partial: partial, damaged: damaged)
    }
  }

  public func completeSize(of sha256: Data) throws -> UInt64? {
    try read {
      try Int64.fetchOne($0, sql: "SELECT size FROM blobs WHERE sha256 = ?", arguments: [sha256.hex])
    }.map { UInt64($0) }
  }

  public func mayServe(_ sha256: Data, to peer: NodeID) throws -> Bool {
    let (rows, sharedWithPeer) = try read { db in
      (
        try Row.fetchAll(
          db, sql: "SELECT origin, audience FROM p_evidence WHERE sha256 = ?", arguments: [sha256.hex]),
        try Bool.fetchOne(
          db,
          sql: """
            SELECT EXISTS (SELECT 1 FROM p_evidence_shares s JOIN p_evidence e ON e.id = s.evidence_id
              WHERE e.sha256 = ? AND s.node = ?)
            """, arguments: [sha256.hex, peer.rawValue]) ?? false
      )
    }
    return sharedWithPeer
      || rows.contains { row in
        guard let origin = try? NodeID(row["origin"] as String),
          let audience = try? Audience(parsing: row["audience"] as String)
        else { return false }
        return audience.includes(peer, origin: origin)
      }
  }

  public func missingFiles(limit: Int) throws -> [BlobNeed] {
    try read { db in
      try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT e.sha256, MIN(e.size) AS size, p.durable_offset FROM p_evidence e
            LEFT JOIN blob_partials p ON p.sha256 = e.sha256
            WHERE e.sha256 NOT IN (SELECT sha256 FROM blobs)
            GROUP BY e.sha256 ORDER BY e.sha256 LIMIT ?
            """), arguments: [limit]
      ).compactMap { row in
        guard let sha256 = Data(hex: row["sha256"]) else { return nil }
        return BlobNeed(
          sha256: sha256, size: UInt64(row["size"] as Int64),
          offset: UInt64((row["durable_offset"] as Int64?) ?? 0))
      }
    }
  }

  public func durableOffset(of sha256: Data) throws -> UInt64? {
    try read {
      try Int64.fetchOne(
        $0, sql: "SELECT durable_offset FROM blob_partials WHERE sha256 = ?", arguments: [sha256.hex])
    }.map { UInt64($0) }
  }

  public func beginTransfer(of sha256: Data, size: UInt64) throws {
    try writeTransaction { db in
      try db.execute(
        sql:
          "INSERT OR IGNORE INTO blob_partials (sha256, durable_offset, size, updated_at) VALUES (?, 0, ?, ?)",
        arguments: [sha256.hex, Int64(clamping: size), Date().iso8601])
    }
  }

  public func recordDurableOffset(_ offset: UInt64, of sha256: Data) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE blob_partials SET durable_offset = ?, updated_at = ? WHERE sha256 = ?",
        arguments: [Int64(clamping: offset), Date().iso8601, sha256.hex])
    }
  }

  public func forgetTransfer(of sha256: Data) throws {
    try writeTransaction { db in
      try db.execute(sql: "DELETE FROM blob_partials WHERE sha256 = ?", arguments: [sha256.hex])
    }
  }

  public func recordComplete(_ sha256: Data, size: UInt64) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "INSERT OR IGNORE INTO blobs (sha256, size, completed_at) VALUES (?, ?, ?)",
        arguments: [sha256.hex, Int64(clamping: size), Date().iso8601])
      try db.execute(sql: "DELETE FROM blob_partials WHERE sha256 = ?", arguments: [sha256.hex])
      try db.execute(
        sql: "UPDATE blob_damage SET repaired_at = ? WHERE sha256 = ? AND repaired_at IS NULL",
        arguments: [Date().iso8601, sha256.hex])
    }
  }

  public func heldFiles(after sha256: Data?, limit: Int) throws -> [HeldFile] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT sha256, size FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?",
        arguments: [sha256?.hex ?? "", limit]
      ).compactMap { row in
        Data(hex: row["sha256"]).map { HeldFile(sha256: $0, size: UInt64(row["size"] as Int64)) }
      }
    }
  }

  public func recordDamaged(_ sha256: Data, finding: String) throws {
    try writeTransaction { db in
      try db.execute(sql: "DELETE FROM blobs WHERE sha256 = ?", arguments: [sha256.hex])
      try db.execute(
        sql: """
          INSERT INTO blob_damage (sha256, finding, found_at) VALUES (?, ?, ?)
          ON CONFLICT (sha256) DO UPDATE SET finding = excluded.finding, found_at = excluded.found_at,
            repaired_at = NULL
          """, arguments: [sha256.hex, finding, Date().iso8601])
    }
  }

  public func damagedFiles() throws -> [DamagedFile] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: "SELECT sha256, finding, found_at FROM blob_damage WHERE repaired_at IS NULL ORDER BY found_at"
      ).map { DamagedFile(sha256: $0["sha256"], finding: $0["finding"], foundAt: $0["found_at"]) }
    }
  }
}
