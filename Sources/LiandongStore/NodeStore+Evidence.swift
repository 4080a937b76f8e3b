import Foundation
import LiandongCore

/// An evidence item as `liandong evidence` shows it, with the state of its file on this node.
public struct EvidenceView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var item: String
  public var category: EvidenceCategory
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
  /// Nodes a holder shared it with later, by signed acts.
  public var sharedWith: [String] = []
  /// `held` (complete on this node), `partial` (a transfer under way), `damaged` (found altered
  /// or missing on this node's disk, set aside, not yet fetched again) or `missing`.
  public var file: String
  /// Bytes of the file this node holds durably.
  public var fileBytes: UInt64
  /// The chain of custody, oldest first.
  public var custody: [CustodyView] = []
}

extension EvidenceView {
  /// Who sees `actor`'s custody events on the item: its audience, its origin and every node it
  /// was shared with.
  public func custodyAudience(for actor: NodeID) throws -> Audience {
    try Audience(parsing: audience).forAct(
      by: actor, parties: Set(try ([origin] + sharedWith).map { try NodeID($0) }))
  }
}

/// One custody event as `liandong evidence show` prints it.
public struct CustodyView: Codable, Sendable, Equatable {
  public var event: String
  public var node: String
  public var officer: String
  public var time: String
  public var note: String
  /// For `received`: whether the file's hash matched; absent if it was not checked.
  public var hashMatched: Bool?
  public var holder: String
  /// The signed operation that recorded it.
  public var operation: String
}

extension ReadModels where Self: SQLBackedStore {
  /// Evidence this node can read, oldest first; only that of `item` when given.
  public func evidence(item: String?) throws -> [EvidenceView] {
    try snapshot { db in
      try db.rows(
        Self.evidenceQuery + (item == nil ? "" : " WHERE e.item_id = ?")
          + " ORDER BY e.added_wall, e.added_counter, e.id",
        binding: item.map { [$0] } ?? []
      ).map { try Self.withCustody(Self.evidenceView($0), db) }
    }
  }

  public func evidence(id: String) throws -> EvidenceView? {
    try snapshot { db in
      try db.firstRow(Self.evidenceQuery + " WHERE e.id = ?", id).map {
        try Self.withCustody(Self.evidenceView($0), db)
      }
    }
  }

  private static func withCustody(_ view: EvidenceView, _ db: StoreConnection) throws -> EvidenceView {
    var view = view
    // Prepared once per connection: a listing runs both for every item.
    view.sharedWith = try db.rows(
      "SELECT node FROM p_evidence_shares WHERE evidence_id = ? ORDER BY node", view.id
    ).map { $0["node"] }
    view.custody = try db.rows(
      "SELECT * FROM p_custody WHERE evidence_id = ? ORDER BY time_wall, time_counter, node, change_id, op_index",
      view.id
    ).map { row in
      CustodyView(
        event: row["event"], node: row["node"], officer: row["officer"],
        time: HLCTimestamp(
          wallMillis: UInt64(row["time_wall"] as Int64), counter: UInt32(row["time_counter"] as Int64)
        ).iso8601, note: row["note"], hashMatched: row["hash_matched"], holder: row["holder"],
        operation: "\(row["change_id"] as String):\(row["op_index"] as Int)")
    }
    return view
  }

  private static var evidenceQuery: String {
    """
    SELECT e.*, b.size AS held_size, p.durable_offset, d.found_at AS damaged_at FROM p_evidence e
    LEFT JOIN blobs b ON b.sha256 = e.sha256 LEFT JOIN blob_partials p ON p.sha256 = e.sha256
    LEFT JOIN blob_damage d ON d.sha256 = e.sha256 AND d.repaired_at IS NULL
    """
  }

  private static func evidenceView(_ row: SQLRow) throws -> EvidenceView {
    let held = row["held_size"] as Int64?
    let partial = row["durable_offset"] as Int64?
    return EvidenceView(
      id: row["id"], origin: row["origin"], item: row["item_id"],
      category: try EvidenceCategory(canonical: row["category"]),
      original: row["original"], howFixed: row["how_fixed"], fixedBy: row["fixed_by"], tool: row["tool"],
      sourceURL: row["source_url"], capturedAt: row["captured_at"], fileName: row["file_name"],
      mediaType: row["media_type"], size: UInt64(row["size"] as Int64), sha256: row["sha256"],
      description: row["description"], addedBy: row["added_by"],
      added: HLCTimestamp(
        wallMillis: UInt64(row["added_wall"] as Int64), counter: UInt32(row["added_counter"] as Int64)
      ).iso8601,
      audience: row["audience"],
      file: held != nil
        ? "held" : partial != nil ? "partial" : row["damaged_at"] as String? != nil ? "damaged" : "missing",
      fileBytes: UInt64(held ?? partial ?? 0))
  }
}

extension ReadModels where Self: SQLBackedStore {
  /// An evidence item as a share carries it: its record exactly as it was added.
  public func evidenceShare(id: String) throws -> EvidenceShare? {
    try snapshot { db in
      guard let row = try db.firstRow("SELECT * FROM p_evidence WHERE id = ?", id) else { return nil }
      let record = EvidenceRecord(
        itemID: try ObjectID(row["item_id"] as String),
        category: try EvidenceCategory(canonical: row["category"]), original: row["original"],
        howFixed: try (row["how_fixed"] as String?).map { try FixingMethod(canonical: $0) },
        fixedBy: row["fixed_by"], tool: row["tool"], sourceURL: row["source_url"],
        capturedAt: row["captured_at"], fileName: row["file_name"], mediaType: row["media_type"],
        size: UInt64(row["size"] as Int64), sha256: Data(hex: row["sha256"] as String) ?? Data(),
        description: row["description"])
      return EvidenceShare(
        origin: try NodeID(row["origin"] as String), record: record, addedBy: row["added_by"],
        added: HLCTimestamp(
          wallMillis: UInt64(row["added_wall"] as Int64), counter: UInt32(row["added_counter"] as Int64)))
    }
  }
}
