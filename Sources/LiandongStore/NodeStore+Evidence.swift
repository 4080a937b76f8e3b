import Foundation
import GRDB
import LiandongCore

/// An evidence item as `liandong evidence` shows it, with the state of its file on this node.
public struct EvidenceView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var item: String
  public var category: String
  public var original: Bool
  public var howFixed: String?
  public var fixedBy: String
  public var tool: String
  public var sourceURL: String
  public var capturedAt: String
  public var fileName: String
  public var mediaType: String
  public var size: UInt64
  public var sha256: String
  public var description: String
  public var addedBy: String
  public var added: String
  public var audience: String
  /// `held` (complete on this node), `partial` (a transfer under way) or `missing`.
  public var file: String
  /// Bytes of the file this node holds durably.
  public var fileBytes: UInt64
}

extension NodeStore {
  /// Evidence this node can read, oldest first; only that of `item` when given.
  public func evidence(item: String? = nil) throws -> [EvidenceView] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: Self.evidenceQuery + (item == nil ? "" : " WHERE e.item_id = ?")
          + " ORDER BY e.added_wall, e.added_counter, e.id",
        arguments: StatementArguments(item.map { [$0] } ?? [])
      ).map(Self.evidenceView)
    }
  }

  public func evidence(id: String) throws -> EvidenceView? {
    try read { db in
      try Row.fetchOne(db, sql: Self.evidenceQuery + " WHERE e.id = ?", arguments: [id]).map(
        Self.evidenceView)
    }
  }

  private static let evidenceQuery = """
    SELECT e.*, b.size AS held_size, p.durable_offset FROM p_evidence e
    LEFT JOIN blobs b ON b.sha256 = e.sha256 LEFT JOIN blob_partials p ON p.sha256 = e.sha256
    """

  private static func evidenceView(_ row: Row) -> EvidenceView {
    let held = row["held_size"] as Int64?
    let partial = row["durable_offset"] as Int64?
    return EvidenceView(
      id: row["id"], origin: row["origin"], item: row["item_id"], category: row["category"],
      original: row["original"], howFixed: row["how_fixed"], fixedBy: row["fixed_by"], tool: row["tool"],
      sourceURL: row["source_url"], capturedAt: row["captured_at"], fileName: row["file_name"],
      mediaType: row["media_type"], size: UInt64(row["size"] as Int64), sha256: row["sha256"],
      description: row["description"], addedBy: row["added_by"],
      added: HLCTimestamp(
        wallMillis: UInt64(row["added_wall"] as Int64), counter: UInt32(row["added_counter"] as Int64)
      ).iso8601,
      audience: row["audience"], file: held != nil ? "held" : partial != nil ? "partial" : "missing",
      fileBytes: UInt64(held ?? partial ?? 0))
  }
}
