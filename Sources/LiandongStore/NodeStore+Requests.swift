import Foundation
import LiandongCore

/// An assistance request as `liandong request` shows it. Deadlines are not stored: they depend on
/// the working-day calendar, which is this node's data, so they are computed when shown.
public struct RequestView: Codable, Sendable, Equatable {
  public var id: String
  public var requester: String
  public var requested: String
  public var caseReference: String
  public var legalBasis: String
  public var tasks: [String]
  public var details: String
  public var evidence: [String]
  public var wantedBy: String?
  public var createdBy: String
  public var created: String
  /// The day in China it was sent, and acknowledged: where its deadline runs from.
  public var sentOn: CivilDate
  public var acknowledgedOn: CivilDate?
  public var audience: String
  public var state: RequestState
  public var extensionWorkingDays: Int?
  public var extensionReason: String?
  public var findings: String?
  public var outcomeEvidence: [String]
  public var reason: String?
  /// The acts in conflict, "act@operation by node; ...", until one is resolved.
  public var conflict: String?
  /// The last operation on the request: what the next act builds on.
  public var head: String
  public var updated: String
}

extension ReadModels where Self: SQLBackedStore {
  public func requests() throws -> [RequestView] {
    try snapshot { db in
      try db.rows("SELECT * FROM p_requests ORDER BY created_wall, created_counter, id").map(Self.requestView)
    }
  }

  public func requests(madeOf bureau: String, changedOn days: ClosedRange<CivilDate>) throws -> [RequestView]
  {
    let (start, end) = Self.millis(of: days)
    return try snapshot { db in
      try db.rows(
        """
        SELECT * FROM p_requests WHERE requested = ? AND updated_wall >= ? AND updated_wall < ?
        ORDER BY created_wall, created_counter, id
        """, bureau, start, end
      ).map(Self.requestView)
    }
  }

  public func request(_ id: String) throws -> RequestView? {
    try snapshot { db in try db.firstRow("SELECT * FROM p_requests WHERE id = ?", id).map(Self.requestView) }
  }

  private static func requestView(_ row: SQLRow) throws -> RequestView {
    func list(_ column: String) -> [String] {
      (row[column] as String).split(separator: ",").map(String.init)
    }
    let created = HLCTimestamp(
      wallMillis: UInt64(row["created_wall"] as Int64), counter: UInt32(row["created_counter"] as Int64))
    let acknowledged = (row["acknowledged_wall"] as Int64?).map { UInt64($0) }
    return RequestView(
      id: row["id"], requester: row["requester"], requested: row["requested"],
      caseReference: row["case_reference"],
      legalBasis: row["legal_basis"], tasks: list("tasks"), details: row["details"],
      evidence: list("evidence_ids"),
      wantedBy: row["wanted_by"], createdBy: row["created_by"], created: created.iso8601,
      sentOn: CivilDate(chinaDayOf: created.wallMillis),
      acknowledgedOn: acknowledged.map(CivilDate.init(chinaDayOf:)),
      audience: row["audience"], state: try RequestState(canonical: row["state"]),
      extensionWorkingDays: row["extension_days"],
      extensionReason: row["extension_reason"], findings: row["findings"],
      outcomeEvidence: list("outcome_evidence"),
      reason: row["reason"], conflict: row["conflict"], head: row["head"],
      updated: HLCTimestamp(
        wallMillis: UInt64(row["updated_wall"] as Int64), counter: UInt32(row["updated_counter"] as Int64)
      ).iso8601)
  }
}
