import Foundation

@testable import LiandongStore

extension LeadSearch {
  /// How many rows PostgreSQL's planner expects `query` (one `$1`) to return, from the column
  /// statistics: what a hub's searches were planned by before they read the keys' own.
  static func estimatedRows(_ query: String, _ value: SQLValue, _ db: StoreConnection) throws -> Int {
    guard case .postgres(let connection) = db,
      let plan = try connection.execute("EXPLAIN (FORMAT JSON) " + query, [value]).first?.string(
        "QUERY PLAN"),
      let parsed = try? JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [[String: Any]],
      let rows = (parsed.first?["Plan"] as? [String: Any])?["Plan Rows"] as? NSNumber
    else { return 0 }
    return rows.intValue
  }
}
