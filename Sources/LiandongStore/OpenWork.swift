import LiandongCore

/// Which projection rows hold work still open, written once for the query that reads them
/// (`ReadModels.leadsWithOpenWork`) and the partial indexes that hold just those rows
/// (`Schema.readIndexes`, on a hub too): SQLite uses a partial index only for a condition
/// that repeats the index's own, so both are made from these strings.
enum OpenWork {
  /// A lead sent to bureaus by name and not yet decided: each named bureau has a period to
  /// acknowledge and decide. A lead shared with all, or kept to its origin, names none.
  static let awaiting =
    "state IN (\(quoted([LeadState.published, .acknowledged, .checking].map(\.rawValue)))) "
    + "AND audience NOT IN (\(quoted([Audience.all, Audience.originOnly].map(\.description))))"
  /// A bureau's handling of a lead, between its acknowledgement and its decision.
  static let handling = "state IN (\(quoted([LeadState.acknowledged, .checking].map(\.rawValue))))"
  /// A hand-off waiting for the receiving bureau, or for the superior after an objection.
  static let handOff = "state IN (\(quoted([HandOffState.offered, .objected].map(\.rawValue))))"

  /// `values` as a list of SQL string literals (canonical names, which hold no quote).
  static func quoted(_ values: [String]) -> String {
    values.map { "'\($0)'" }.joined(separator: ", ")
  }
}
