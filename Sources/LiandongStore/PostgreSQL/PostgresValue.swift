import Foundation

/// A value bound to a statement's `$n`.
enum PostgresValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case text(String)
  case bytes(Data)
  case boolean(Bool)
}

/// One row of a statement's result, as PostgreSQL's text form; read by column name.
struct PostgresRow: Sendable {
  /// The result's column names, shared by its rows.
  final class Columns: Sendable {
    let index: [String: Int]
    init(index: [String: Int]) { self.index = index }
  }

  let columns: Columns
  let values: [String?]

  private func value(_ column: String) -> String? {
    guard let position = columns.index[column] else {
      preconditionFailure("no column \(column) in the result (columns: \(columns.index.keys.sorted()))")
    }
    return values[position]
  }

  func string(_ column: String) -> String? { value(column) }
  func integer(_ column: String) -> Int64? { value(column).flatMap { Int64($0) } }
  func boolean(_ column: String) -> Bool? { value(column).map { $0 == "t" } }

  /// A `bytea` column, which the text form writes as `\x` and hex digits.
  func bytes(_ column: String) -> Data? {
    guard let text = value(column) else { return nil }
    let digits = text.utf8.dropFirst(2)
    guard text.hasPrefix("\\x"), digits.count % 2 == 0 else { return nil }
    var data = Data(capacity: digits.count / 2)
    var high: UInt8? = nil
    for digit in digits {
      guard let nibble = Self.nibble(digit) else { return nil }
      if let first = high {
        data.append(first << 4 | nibble)
        high = nil
      } else {
        high = nibble
      }
    }
    return data
  }

  private static func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
