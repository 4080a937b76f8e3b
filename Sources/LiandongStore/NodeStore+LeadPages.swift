import Foundation
import GRDB
import LiandongCore

/// What a page of leads asks for; nil asks for any. `text` is found in the summary or a
/// subject's name (ASCII letters in any case), or equals a subject's USCC.
public struct LeadFilter: Sendable, Equatable {
  public var state: String?
  public var risk: String?
  public var violation: String?
  public var origin: String?
  public var owner: String?
  public var text: String?

  public init(
    state: String? = nil, risk: String? = nil, violation: String? = nil, origin: String? = nil,
    owner: String? = nil, text: String? = nil
  ) {
    self.state = state
    self.risk = risk
    self.violation = violation
    self.origin = origin
    self.owner = owner
    self.text = text
  }
}

extension NodeStore {
  /// The newest leads that match `filter`, created before the lead `afterID` (the last of the
  /// page before; nil for the first page), at most `limit`. Read through the index on creation
  /// time, so a page costs what it returns and what the filter skips, not the whole store.
  /// Nil when `afterID` names no lead held.
  public func leadPage(_ filter: LeadFilter, after afterID: String?, limit: Int) throws -> [LeadView]? {
    try read { db in
      var conditions: [String] = []
      var arguments: [any DatabaseValueConvertible] = []
      for (column, value) in [
        ("state", filter.state), ("risk", filter.risk), ("origin", filter.origin), ("owner", filter.owner),
      ] {
        guard let value else { continue }
        conditions.append("\(column) = ?")
        arguments.append(value)
      }
      if let violation = filter.violation {
        conditions.append("instr(',' || violations || ',', ?) > 0")
        arguments.append(",\(violation),")
      }
      if let needle = filter.text?.trimmingCharacters(in: .whitespaces).lowercased(), !needle.isEmpty {
        let pattern = "%" + Self.escapedForLike(needle) + "%"
        // The subjects that match, found once; then the leads that name one of them.
        let subjects = try String.fetchAll(
          db, sql: "SELECT id FROM p_subjects WHERE name LIKE ? ESCAPE '\\' OR lower(uscc) = ?",
          arguments: [pattern, needle])
        let names = String(decoding: try JSONEncoder().encode(subjects), as: UTF8.self)
        conditions.append(
          """
          (summary LIKE ? ESCAPE '\\' OR EXISTS (
            SELECT 1 FROM json_each(?) AS matched
            WHERE instr(',' || subject_ids || ',', ',' || matched.value || ',') > 0))
          """)
        arguments += [pattern, names]
      }
      if let afterID {
        guard
          let row = try Row.fetchOne(
            db, sql: "SELECT created_wall, created_counter FROM p_leads WHERE id = ?", arguments: [afterID])
        else { return nil }
        conditions.append("(created_wall, created_counter, id) < (?, ?, ?)")
        arguments += [row["created_wall"] as Int64, row["created_counter"] as Int64, afterID]
      }
      let condition = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
      let rows = try Row.fetchAll(
        db,
        sql:
          "SELECT * FROM p_leads\(condition) ORDER BY created_wall DESC, created_counter DESC, id DESC LIMIT ?",
        arguments: StatementArguments(arguments + [limit]))
      return try rows.map { row in try leadView(row, LeadRelations(of: row["id"], db), db) }
    }
  }

  /// `text` with LIKE's wildcards and the escape character taken literally.
  static func escapedForLike(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }
}
