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
