import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

/// The working-day calendar deadlines are counted with, and the day they are counted from.
struct CalendarOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A working-day calendar file (JSON, like Deploy/calendar/cn-workdays.json).",
      discussion:
        "Default: $LIANDONG_CALENDAR, else node.json's calendar, else the 2025-2026 schedule built into liandong.",
      valueName: "file"))
  var calendar: String?

  @Option(
    name: .customLong("today"),
    help: ArgumentHelp("Count as of this day (default: today in China).", valueName: "YYYY-MM-DD"))
  var asOf: String?

  /// --calendar, else $LIANDONG_CALENDAR, else what the node is configured with.
  func load(_ app: NodeApp) throws -> WorkdayCalendar {
    try app.calendar(file: calendar ?? ProcessInfo.processInfo.environment["LIANDONG_CALENDAR"])
  }

  /// The day given with --today, if any.
  func explicitDay() throws -> CivilDate? { try asOf.map { try CivilDate($0) } }

  /// Every open item with a deadline, as of --today.
  func dueItems(_ app: NodeApp) throws -> [DueItem] {
    try app.dueItems(calendar: try load(app), asOf: try explicitDay())
  }
}

struct DueCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "due",
    abstract: "What is due soon and what is overdue, on both sides of each request, in working days.",
    discussion: """
      Deadlines are counted in working days with the calendar (public holidays and make-up working \
      days), the start day not counted. An item is due soon from \(Deadlines.warningWorkingDays) working \
      days before its last day. A period "from receipt" runs from the receiving node's first proof \
      that it held the item (its signed checkpoint) or its acknowledgement, whichever is earlier: \
      RUNS FROM says which. Exit status 0 even when items are overdue; use --json in scripts.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var calendar: CalendarOption
  // Unconditional: "-1" is a value to refuse with a reason, not an unknown option.
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Only items with at most this many working days left (0 or more).", valueName: "days"))
  var within: Int?

  func execute() throws {
    if let within, within < 0 {
      throw UsageError(
        code: "usage.within",
        message: "--within \(within): give how many working days ahead to look, 0 (due today) or more; "
          + "overdue items are always listed")
    }
    let items = try calendar.dueItems(try options.openApp()).filter { item in
      guard let within else { return true }
      return (item.workingDaysLeft ?? .min) <= within
    }
    if options.json { return try Output.json(items) }
    guard !items.isEmpty else {
      return print("nothing due\(within.map { " within \($0) working days" } ?? "")")
    }
    Output.table(
      ["DEADLINE", "LEFT", "STATUS", "RUNS FROM", "KIND", "ID", "SIDE", "WITH", "STATE", "WHAT"],
      items.map { item in
        [
          item.deadline?.description ?? "?", item.left, item.urgency ?? "unknown", item.runsFrom ?? "-",
          item.kind, item.id, item.side,
          item.otherParty, item.state, item.problem.map { "\(item.what) [\($0)]" } ?? item.what,
        ]
      })
  }
}
