import GRDB

/// A row's values by column name, each found in a table made once for the row. GRDB finds a
/// name by lowercasing every column's name on every lookup, which was a twentieth of the time
/// of answering a page of leads.
struct NamedColumns {
  let row: Row
  private let positions: [String: Int]

  init(_ row: Row) {
    self.row = row
    positions = Dictionary(
      row.columnNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
  }

  subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
    guard let position = positions[name] else { return row[name] }
    return row[position]
  }
}
