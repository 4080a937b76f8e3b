import Foundation

/// A calendar day in China (UTC+8), the unit of every legal deadline. Computed with integer
/// arithmetic only, so every node gets the same day from the same timestamp.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
  public let year: Int
  public let month: Int
  public let day: Int

  /// China Standard Time has no daylight saving: always UTC+8.
  static let chinaOffsetMillis: Int64 = 8 * 3600 * 1000

  public init(year: Int, month: Int, day: Int) throws {
    let text = String(format: "%04d-%02d-%02d", year, month, day)
    guard (1...12).contains(month) else {
      throw CoreError.invalidDate(text, reason: "there is no month \(month); months are 01 to 12")
    }
    let days = Self.daysIn(month: month, year: year)
    guard (1...days).contains(day) else {
      throw CoreError.invalidDate(text, reason: "month \(month) of \(year) has \(days) days")
    }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses `YYYY-MM-DD`.
  public init(_ text: String) throws {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
    else {
      throw CoreError.invalidDate(text, reason: "write it as YYYY-MM-DD, e.g. 2026-03-12")
    }
    try self.init(year: year, month: month, day: day)
  }

  /// The day in China on which `unixMillis` falls.
  public init(chinaDayOf unixMillis: UInt64) {
    self.init(daysSinceEpoch: Int((Int64(unixMillis) + Self.chinaOffsetMillis) / 86_400_000))
  }

  /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
  init(daysSinceEpoch: Int) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  public var daysSinceEpoch: Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The instant this day begins in China, in milliseconds since the Unix epoch.
  public var chinaStartMillis: Int64 { Int64(daysSinceEpoch) * 86_400_000 - Self.chinaOffsetMillis }

  public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

  /// 1 = Monday ... 7 = Sunday (ISO 8601). 1970-01-01 was a Thursday.
  public var weekday: Int { ((daysSinceEpoch % 7 + 7) % 7 + 3) % 7 + 1 }

  public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

  public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  public init(from decoder: Decoder) throws {
    try self.init(try decoder.singleValueContainer().decode(String.self))
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
