import Foundation
import LiandongCore

/// The blob index, written once for both engines: `blobs` (complete files), `blob_partials`
/// (transfers and their durable offsets), `blob_damage` (files found altered or missing), and the
/// evidence projections that decide who may be served a file. Hashes are kept as lower-case hex
/// text in both, as the evidence projections name them.
extension BlobIndex where Self: SQLBackedStore {
  public func blobCounts() throws -> BlobCounts {
    try reading { db in
      let held = try db.rows(
        "SELECT count(*) AS files, CAST(coalesce(sum(size), 0) AS bigint) AS bytes FROM blobs", [])
      let partial = try db.rows("SELECT count(*) AS files FROM blob_partials", [])
      let damaged = try db.rows("SELECT count(*) AS files FROM blob_damage WHERE repaired_at IS NULL", [])
      return BlobCounts(
        held: Int(held.first?.integer("files") ?? 0), heldBytes: held.first?.integer("bytes") ?? 0,
        partial: Int(partial.first?.integer("files") ?? 0), damaged: Int(damaged.first?.integer("files") ?? 0)
      )
    }
  }

  public func completeSize(of sha256: Data) throws -> UInt64? {
    try reading {
      try $0.rows("SELECT size FROM blobs WHERE sha256 = ?", [.text(sha256.hex)]).first?.integer("size")
    }.map { UInt64($0) }
  }

  public func mayServe(_ sha256: Data, to peer: NodeID) throws -> Bool {
    let (rows, shares) = try reading { db in
      (
        try db.rows("SELECT origin, audience FROM p_evidence WHERE sha256 = ?", [.text(sha256.hex)]),
        try db.rows(
          """
          SELECT 1 AS shared FROM p_evidence_shares s JOIN p_evidence e ON e.id = s.evidence_id
          WHERE e.sha256 = ? AND s.node = ? LIMIT 1
          """, [.text(sha256.hex), .text(peer.rawValue)])
      )
    }
    return !shares.isEmpty
      || rows.contains { row in
        guard let origin = try? NodeID(row.string("origin") ?? ""),
          let audience = try? Audience(parsing: row.string("audience") ?? "")
        else { return false }
        return audience.includes(peer, origin: origin)
      }
  }

  public func missingFiles(limit: Int) throws -> [BlobNeed] {
    try reading { db in
      try db.rows(
        """
        SELECT e.sha256, MIN(e.size) AS size, p.durable_offset FROM p_evidence e
        LEFT JOIN blob_partials p ON p.sha256 = e.sha256
        WHERE e.sha256 NOT IN (SELECT sha256 FROM blobs)
        GROUP BY e.sha256, p.durable_offset ORDER BY e.sha256 LIMIT ?
        """, [.integer(Int64(limit))]
      ).compactMap { row in
        guard let sha256 = row.string("sha256").flatMap({ Data(hex: $0) }) else { return nil }
        return BlobNeed(
          sha256: sha256, size: UInt64(row.integer("size") ?? 0),
          offset: UInt64(row.integer("durable_offset") ?? 0))
      }
    }
  }

  public func durableOffset(of sha256: Data) throws -> UInt64? {
    try reading {
      try $0.rows("SELECT durable_offset FROM blob_partials WHERE sha256 = ?", [.text(sha256.hex)]).first?
        .integer("durable_offset")
    }.map { UInt64($0) }
  }

  public func beginTransfer(of sha256: Data, size: UInt64) throws {
    try writing {
      try $0.rows(
        """
        INSERT INTO blob_partials (sha256, durable_offset, size, updated_at) VALUES (?, 0, ?, ?)
        ON CONFLICT (sha256) DO NOTHING
        """, [.text(sha256.hex), .integer(Int64(clamping: size)), SQLValue(Date())])
    }
  }

  public func recordDurableOffset(_ offset: UInt64, of sha256: Data) throws {
    try writing {
      try $0.rows(
        "UPDATE blob_partials SET durable_offset = ?, updated_at = ? WHERE sha256 = ?",
        [.integer(Int64(clamping: offset)), SQLValue(Date()), .text(sha256.hex)])
    }
  }

  public func forgetTransfer(of sha256: Data) throws {
    try writing { try $0.rows("DELETE FROM blob_partials WHERE sha256 = ?", [.text(sha256.hex)]) }
  }

  public func recordComplete(_ sha256: Data, size: UInt64) throws {
    let now = SQLValue(Date())
    try writing { db in
      try db.rows(
        "INSERT INTO blobs (sha256, size, completed_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        [.text(sha256.hex), .integer(Int64(clamping: size)), now])
      try db.rows("DELETE FROM blob_partials WHERE sha256 = ?", [.text(sha256.hex)])
      try db.rows(
        "UPDATE blob_damage SET repaired_at = ? WHERE sha256 = ? AND repaired_at IS NULL",
        [now, .text(sha256.hex)])
    }
  }

  public func heldFiles(after sha256: Data?, limit: Int) throws -> [HeldFile] {
    try reading {
      try $0.rows(
        "SELECT sha256, size FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?",
        [.text(sha256?.hex ?? ""), .integer(Int64(limit))]
      ).compactMap { row in
        row.string("sha256").flatMap { Data(hex: $0) }.map {
          HeldFile(sha256: $0, size: UInt64(row.integer("size") ?? 0))
        }
      }
    }
  }

  public func recordDamaged(_ sha256: Data, finding: String) throws {
    try writing { db in
      try db.rows("DELETE FROM blobs WHERE sha256 = ?", [.text(sha256.hex)])
      try db.rows(
        """
        INSERT INTO blob_damage (sha256, finding, found_at) VALUES (?, ?, ?)
        ON CONFLICT (sha256) DO UPDATE SET finding = excluded.finding, found_at = excluded.found_at,
          repaired_at = NULL
        """, [.text(sha256.hex), .text(finding), SQLValue(Date())])
    }
  }

  public func damagedFiles() throws -> [DamagedFile] {
    try reading {
      try $0.rows(
        "SELECT sha256, finding, found_at FROM blob_damage WHERE repaired_at IS NULL ORDER BY found_at", []
      ).map {
        DamagedFile(
          sha256: $0.string("sha256") ?? "", finding: $0.string("finding") ?? "",
          foundAt: $0.string("found_at") ?? "")
      }
    }
  }
}

extension NodeStore: BlobIndex {}
