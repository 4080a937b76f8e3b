import Foundation

/// A value bound to a statement's `?`, or read from a row, in either engine.
enum SQLValue: Sendable, Equatable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case bytes(Data)
}

extension SQLValue {
  init(_ date: Date?) { self = date.map { .text($0.iso8601) } ?? .null }
}

/// One row of a statement's result, read by column name.
struct SQLRow: Sendable {
  /// The result's column names, shared by its rows.
  final class Columns: Sendable {
    /// In the result's order.
    let names: [String]
    let index: [String: Int]
    init(_ names: [String]) {
      self.names = names
      index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
  }

  let columns: Columns
  let values: [SQLValue]

  subscript(_ column: String) -> SQLValue {
    guard let position = columns.index[column] else {
      preconditionFailure("no column \(column) in the result (columns: \(columns.index.keys.sorted()))")
    }
    return values[position]
  }

  func string(_ column: String) -> String? {
    if case .text(let text) = self[column] { return text }
    return nil
  }

  func integer(_ column: String) -> Int64? {
    if case .integer(let number) = self[column] { return number }
    return nil
  }

  func bytes(_ column: String) -> Data? {
    if case .bytes(let data) = self[column] { return data }
    return nil
  }

  func date(_ column: String) -> Date? { string(column).flatMap { Date(iso8601: $0) } }
}

/// A Swift type a column's value is read as, the way the read models read their rows: NULL is
/// nil for an optional, and the type's empty value otherwise; an integer where text is asked
/// for reads as its digits, and text where an integer is asked for as its number (SQLite keeps
/// what a column was given, whatever its declared type).
protocol SQLColumnReadable {
  init(column value: SQLValue)
}

extension SQLRow {
  /// A column read as the type the caller asks for (`let id: String = row["id"]`).
  subscript<Value: SQLColumnReadable>(_ column: String) -> Value { Value(column: self[column]) }
}

extension String: SQLColumnReadable {
  init(column value: SQLValue) {
    switch value {
    case .text(let text): self = text
    case .integer(let number): self = String(number)
    case .real(let number): self = String(number)
    case .bytes(let data): self = String(decoding: data, as: UTF8.self)
    case .null: self = ""
    }
  }
}

extension Int64: SQLColumnReadable {
  init(column value: SQLValue) {
    switch value {
    case .integer(let number): self = number
    case .real(let number): self = Int64(exactly: number.rounded(.towardZero)) ?? 0
    case .text(let text): self = Int64(text) ?? 0
    case .bytes, .null: self = 0
    }
  }
}

extension Int: SQLColumnReadable {
  init(column value: SQLValue) { self = Int(truncatingIfNeeded: Int64(column: value)) }
}

extension Bool: SQLColumnReadable {
  init(column value: SQLValue) { self = Int64(column: value) != 0 }
}

extension Data: SQLColumnReadable {
  init(column value: SQLValue) {
    switch value {
    case .bytes(let data): self = data
    case .text(let text): self = Data(text.utf8)
    default: self = Data()
    }
  }
}

extension Optional: SQLColumnReadable where Wrapped: SQLColumnReadable {
  init(column value: SQLValue) { self = value == .null ? nil : Wrapped(column: value) }
}
