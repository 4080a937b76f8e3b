import Foundation
import LiandongCore

/// Change bodies whose stored bytes no longer match the SHA-256 their signed header promises
/// (a damaged disk, or a hand that edited the database). Such a body is never folded: it is
/// kept aside in `damaged_bodies` as found, the change becomes a stub this node wants, and every
/// sync asks peers in its audience for the body again, which the ordinary body-filling path
/// (`NodeStore+Ingest`) puts back and refolds. The projections are left as they were folded
/// from the good body meanwhile.
extension DamagedBodies where Self: LogBackedStore {
  /// Sets aside the bodies among `candidates` that fail their hash check; returns their IDs.
  @discardableResult
  public func setAsideDamagedBodies(_ candidates: [ChangeID]) throws -> [ChangeID] {
    guard !candidates.isEmpty else { return [] }
    return try writingStore { db in
      var damaged: [ChangeID] = []
      for id in candidates {
        guard
          let row = try db.firstRow(
            "SELECT header, signature, body FROM changes WHERE id = ? AND body IS NOT NULL", id.bytes)
        else { continue }
        let change = try SignedChange(
          headerBytes: row["header"], signature: row["signature"], body: row["body"])
        do throws(ChangeRefusal) { try change.checkBody() } catch {
          try db.run(
            """
            INSERT INTO damaged_bodies (change_id, body, found_at) VALUES (?, ?, ?)
            ON CONFLICT (change_id) DO UPDATE SET body = excluded.body, found_at = excluded.found_at
            """, id.bytes, change.body!, Date().iso8601)
          try db.run("UPDATE changes SET body = NULL WHERE id = ?", id.bytes)
          try db.run("INSERT INTO p_wanted_bodies (change_id) VALUES (?) ON CONFLICT DO NOTHING", id.bytes)
          damaged.append(id)
        }
      }
      return damaged
    }
  }

  /// Changes whose damaged body was set aside and whose good body has not arrived yet.
  public func awaitedDamagedBodies() throws -> [AuditFailure] {
    try snapshot { db in
      try db.rows(
        """
        SELECT c.id, c.origin, c.sequence, d.found_at FROM damaged_bodies d
        JOIN changes c ON c.id = d.change_id WHERE c.body IS NULL ORDER BY c.origin, c.sequence
        """
      ).map { row in
        AuditFailure(
          change: (row["id"] as Data).hex, origin: row["origin"], sequence: row["sequence"],
          code: "store.body-damaged",
          message:
            "the stored body no longer matched its signed SHA-256 (found \(row["found_at"] as String)); set aside, and asked of peers at every sync until a good copy arrives"
        )
      }
    }
  }
}
