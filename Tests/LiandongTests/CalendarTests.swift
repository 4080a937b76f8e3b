import Foundation
import LiandongCore
import Testing

@Suite("Working days and legal deadlines")
struct CalendarTests {
  let calendar = WorkdayCalendar.builtIn

  func day(_ text: String) -> CivilDate { try! CivilDate(text) }

  @Test("15 working days across the 2026 Spring Festival and its make-up Saturdays, counted by hand")
  func springFestival2026() throws {
    // Received Friday 13 February. Not counted: the 13th itself, the holiday 15-23 February, and
    // ordinary weekends. Counted: Sat 14 Feb (make-up) = 1, 24-27 Feb = 2-5, Sat 28 Feb (make-up)
    // = 6, 2-6 Mar = 7-11, 9-12 Mar = 12-15.
    #expect(try calendar.deadline(after: day("2026-02-13"), workingDays: 15) == day("2026-03-12"))
    #expect(try calendar.isWorkday(day("2026-02-14")) && calendar.isWorkday(day("2026-02-28")))
    #expect(try !calendar.isWorkday(day("2026-02-16")) && !calendar.isWorkday(day("2026-02-22")))
    // Received on the eve of the holiday's last day: the first working day after is the 24th.
    #expect(try calendar.deadline(after: day("2026-02-22"), workingDays: 1) == day("2026-02-24"))
    // The lead rule: 15 working days, extended once by 15 more.
    #expect(try calendar.deadline(after: day("2026-03-12"), workingDays: 15) == day("2026-04-02"))
  }

  @Test("15 working days across the 2025 National Day week, counted by hand")
  func nationalDay2025() throws {
    // Received Friday 26 September. Sat 27 Sep is a rest day; Sun 28 Sep (make-up) = 1, 29-30 Sep
    // = 2-3, 1-8 Oct holiday, 9-10 Oct = 4-5, Sat 11 Oct (make-up) = 6, 13-17 Oct = 7-11,
    // 20-23 Oct = 12-15.
    #expect(try calendar.deadline(after: day("2025-09-26"), workingDays: 15) == day("2025-10-23"))
    #expect(try calendar.isWorkday(day("2025-09-28")) && !calendar.isWorkday(day("2025-09-27")))
    // Calendar days: a last day inside the holiday moves to the next working day.
    #expect(try calendar.deadline(after: day("2025-09-29"), calendarDays: 3) == day("2025-10-09"))
    #expect(try calendar.deadline(after: day("2025-10-13"), calendarDays: 3) == day("2025-10-16"))
    // Working days left count down to 0 on the last day, then below.
    #expect(try calendar.workingDaysLeft(from: day("2025-09-30"), until: day("2025-10-10")) == 2)
    #expect(try calendar.workingDaysLeft(from: day("2025-10-23"), until: day("2025-10-23")) == 0)
    #expect(try calendar.workingDaysLeft(from: day("2025-10-27"), until: day("2025-10-23")) == -2)
  }

  @Test("a date outside the calendar's years is refused, not guessed")
  func notCovered() throws {
    let error = try #require(throws: CalendarError.self) {
      try calendar.deadline(after: day("2026-12-20"), workingDays: 15)
    }
    #expect(error.code == "calendar.not-covered" && error.description.contains("add 2027's holidays"))
  }

  @Test("an operator's calendar file is read; a malformed one is refused with the reason")
  func operatorFile() throws {
    let custom = try WorkdayCalendar(
      json: Data(
        #"{"years": {"2027": {"holidays": ["2027-01-01"], "makeup_workdays": ["2027-01-02"]}}}"#.utf8))
    #expect(try !custom.isWorkday(day("2027-01-01")) && custom.isWorkday(day("2027-01-02")))
    for (json, reason) in [
      (#"{"years": {}}"#, "no years"),
      (#"{"years": {"2027": {"holidays": ["2027-13-01"], "makeup_workdays": []}}}"#, "not a date"),
      (#"{"years": {"2027": {"holidays": ["2026-05-01"], "makeup_workdays": []}}}"#, "listed under 2027"),
      (
        #"{"years": {"2025": {"holidays": [], "makeup_workdays": []}, "2027": {"holidays": [], "makeup_workdays": []}}}"#,
        "gap"
      ),
    ] {
      let error = try #require(throws: CalendarError.self) { try WorkdayCalendar(json: Data(json.utf8)) }
      #expect(error.description.contains(reason), "\(error)")
    }
  }

  @Test("the built-in calendar is the file in Deploy/calendar, which is the shared official schedule")
  func builtInMatchesFile() throws {
    let file = repositoryRoot.appendingPathComponent("Deploy/calendar/cn-workdays.json")
    #expect(
      try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        == WorkdayCalendar.builtInJSON)
    #expect(calendar.years == 2025...2026)
  }

  @Test("civil dates: China's day of a timestamp, weekdays, and bad dates refused")
  func civilDates() throws {
    // 2026-02-13T16:30:00Z is already Saturday 14 February in China.
    #expect(CivilDate(chinaDayOf: 1_771_000_200_000) == day("2026-02-14"))
    #expect(day("2026-02-14").weekday == 6 && day("2025-10-01").weekday == 3)
    #expect(day("2024-02-28").adding(days: 1) == day("2024-02-29"))
    for bad in ["2026-02-30", "2026-2-3", "20260203", "2026-00-10"] {
      #expect(throws: CoreError.self) { try CivilDate(bad) }
    }
  }
}
