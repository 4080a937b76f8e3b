import Foundation
import LiandongCrypto
import LiandongErrors

/// Working days under the State Council's holiday notices: Monday to Friday, minus public
/// holidays, plus make-up working days (调休). Loaded from data that an operator extends each
/// November (`Deploy/calendar/cn-workdays.json`), never hard-coded; a date in a year the data
/// does not cover is refused rather than guessed.
public struct WorkdayCalendar: Sendable {
  public let years: ClosedRange<Int>
  let holidays: Set<CivilDate>
  let makeupWorkdays: Set<CivilDate>

  /// The file's format: `{"years": {"2026": {"holidays": [...], "makeup_workdays": [...]}}}`.
  private struct File: Decodable {
    struct Year: Decodable {
      var holidays: [String]
      var makeupWorkdays: [String]
      enum CodingKeys: String, CodingKey {
        case holidays
        case makeupWorkdays = "makeup_workdays"
      }
    }
    var years: [String: Year]
  }

  public init(json: Data) throws {
    let file: File
    do { file = try JSONDecoder().decode(File.self, from: json) } catch {
      throw CalendarError.unreadable(reason: "\(error)")
    }
    var holidays = Set<CivilDate>()
    var makeup = Set<CivilDate>()
    var covered: [Int] = []
    for (yearText, year) in file.years {
      guard let number = Int(yearText) else {
        throw CalendarError.unreadable(reason: "'\(yearText)' is not a year")
      }
      covered.append(number)
      for text in year.holidays { holidays.insert(try Self.date(text, in: number)) }
      for text in year.makeupWorkdays { makeup.insert(try Self.date(text, in: number)) }
    }
    guard let first = covered.min(), let last = covered.max() else {
      throw CalendarError.unreadable(reason: "no years in the file")
    }
    guard covered.count == last - first + 1 else {
      throw CalendarError.unreadable(reason: "the years \(covered.sorted()) have a gap")
    }
    years = first...last
    self.holidays = holidays
    makeupWorkdays = makeup
  }

  private static func date(_ text: String, in year: Int) throws -> CivilDate {
    let date: CivilDate
    do { date = try CivilDate(text) } catch {
      throw CalendarError.unreadable(reason: "'\(text)' is not a date")
    }
    guard date.year == year else { throw CalendarError.unreadable(reason: "\(text) is listed under \(year)") }
    return date
  }

  public func isWorkday(_ date: CivilDate) throws -> Bool {
    guard years.contains(date.year) else { throw CalendarError.notCovered(date: date, years: years) }
    if holidays.contains(date) { return false }
    if makeupWorkdays.contains(date) { return true }
    return date.weekday <= 5
  }

  /// The last day of a period of `count` working days from `start`: the start day is not counted
  /// (Penalty Procedure Rules, Art. 80), so this is the `count`-th working day after it.
  public func deadline(after start: CivilDate, workingDays count: Int) throws -> CivilDate {
    var day = start
    var counted = 0
    while counted < count {
      day = day.adding(days: 1)
      if try isWorkday(day) { counted += 1 }
    }
    return day
  }

  /// The last day of a period of `count` calendar days from `start`, the start not counted; a
  /// last day that is not a working day moves to the next working day (Art. 84).
  public func deadline(after start: CivilDate, calendarDays count: Int) throws -> CivilDate {
    var day = start.adding(days: count)
    while try !isWorkday(day) { day = day.adding(days: 1) }
    return day
  }

  /// Working days after `today` up to and including `deadline`: 0 on the last day itself,
  /// negative once it has passed (the working days overdue).
  public func workingDaysLeft(from today: CivilDate, until deadline: CivilDate) throws -> Int {
    if today == deadline { return 0 }
    let (from, to, sign) = today < deadline ? (today, deadline, 1) : (deadline, today, -1)
    var count = 0
    var day = from
    while day < to {
      day = day.adding(days: 1)
      if try isWorkday(day) { count += 1 }
    }
    return sign * count
  }
}

public enum CalendarError: CodedError, Sendable {
  case unreadable(reason: String)
  case notCovered(date: CivilDate, years: ClosedRange<Int>)

  public var code: String {
    switch self {
    case .unreadable: "calendar.unreadable"
    case .notCovered: "calendar.not-covered"
    }
  }

  public var description: String {
    switch self {
    case .unreadable(let reason): "the working-day calendar cannot be read: \(reason)"
    case .notCovered(let date, let years):
      "the working-day calendar covers \(years.lowerBound)-\(years.upperBound), not \(date); add \(date.year)'s holidays "
        + "and make-up working days from the State Council's notice to the calendar file"
    }
  }
}
