import Foundation
import LiandongCore

/// A transfer to police as `liandong police` shows it. Times are UTC, ISO 8601: the 24-hour
/// deadline after approval is counted in hours.
public struct PoliceTransferView: Codable, Sendable, Equatable {
  public var id: String
  public var bureau: String
  public var caseID: String
  public var police: String
  public var reportedOn: CivilDate
  public var letter: String
  public var investigationReport: String
  public var itemsList: String
  public var testReports: [String]
  public var state: PoliceTransferState
  public var approved: String?
  public var transferred: String?
  public var policeDecided: String?
  public var note: String
  public var audience: String
}

extension ReadModels where Self: SQLBackedStore {
  public func policeTransfers() throws -> [PoliceTransferView] {
    try snapshot { db in
      try db.rows("SELECT * FROM p_police_transfers ORDER BY reported_on, id").map(Self.policeView)
    }
  }

  public func policeTransfer(_ id: String) throws -> PoliceTransferView? {
    try snapshot { db in
      try db.firstRow("SELECT * FROM p_police_transfers WHERE id = ?", id).map(Self.policeView)
    }
  }

  private static func policeView(_ row: SQLRow) throws -> PoliceTransferView {
    func time(_ column: String) -> String? {
      (row[column] as Int64?).map { HLCTimestamp(wallMillis: UInt64($0), counter: 0).iso8601 }
    }
    return PoliceTransferView(
      id: row["id"], bureau: row["bureau"], caseID: row["case_id"], police: row["police"],
      reportedOn: (try? CivilDate(row["reported_on"] as String)) ?? CivilDate(chinaDayOf: 0),
      letter: row["letter"],
      investigationReport: row["investigation_report"], itemsList: row["items_list"],
      testReports: (row["test_reports"] as String).split(separator: ",").map(String.init),
      state: try PoliceTransferState(canonical: row["state"]),
      approved: time("approved_wall"), transferred: time("transferred_wall"),
      policeDecided: time("police_decided_wall"), note: row["note"], audience: row["audience"])
  }
}
