import ArgumentParser
import Foundation
import LiandongCore
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

  func load(_ home: NodeHome) throws -> WorkdayCalendar { try Self.calendar(explicit: calendar, home: home) }

  /// `explicit` (--calendar), else $LIANDONG_CALENDAR, else node.json's `calendar`, else the
  /// built-in schedule.
  static func calendar(explicit: String?, home: NodeHome) throws -> WorkdayCalendar {
    guard
      let path = explicit ?? ProcessInfo.processInfo.environment["LIANDONG_CALENDAR"]
        ?? home.configuration.calendar,
      !path.isEmpty
    else { return .builtIn }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw UsageError(
        code: "calendar.unreadable",
        message: "cannot read the calendar file \(path): \(error.localizedDescription)")
    }
    return try WorkdayCalendar(json: data)
  }

  func today() throws -> CivilDate {
    try asOf.map { try CivilDate($0) } ?? CivilDate(chinaDayOf: Date().unixMillis)
  }

  /// Every open item with a deadline, on either side of it, soonest first.
  func dueItems(_ home: NodeHome) throws -> [DueItem] {
    let calendar = try load(home)
    let today = try today()
    let leads = try home.store.leads()
    let decisions = leads.flatMap { lead -> [DueItem] in
      lead.handling.compactMap { handling -> DueItem? in
        guard handling.state == "acknowledged" || handling.state == "checking",
          let acknowledged = handling.acknowledgedOn
        else { return nil }
        let mine = handling.bureau == home.node.rawValue
        var item = DueItem(
          kind: "lead", id: lead.id, side: mine ? "received" : "origin",
          otherParty: mine ? lead.origin : handling.bureau,
          state: handling.state, what: "decide whether to open a case: \(lead.summary.prefix(40))")
        Self.fill(&item) {
          try Deadlines.leadDecision(
            acknowledged: acknowledged, extended: handling.extended != nil, calendar: calendar, today: today)
        }
        return item
      }
    }
    let designations = leads.compactMap { lead -> DueItem? in
      guard let handOff = lead.handOff, handOff.state == HandOffState.objected.rawValue,
        let objected = handOff.decidedOn
      else { return nil }
      let (side, otherParty) = Self.side(
        of: home.node.rawValue, between: (handOff.from, "offered"), and: (handOff.to, "objected"))
      var item = DueItem(
        kind: "designation", id: lead.id, side: side, otherParty: otherParty,
        state: "awaiting the superior's designation", what: "hand-off objected: \(handOff.reason ?? "")")
      Self.fill(&item) { try Deadlines.designation(objectedOn: objected, calendar: calendar, today: today) }
      return item
    }
    let negotiations = leads.compactMap { lead -> DueItem? in
      guard let dispute = lead.dispute else { return nil }
      let (side, otherParty) = Self.side(
        of: home.node.rawValue, between: (dispute.owner, "owner"), and: (dispute.claimant, "claimant"))
      var item = DueItem(
        kind: "negotiation", id: lead.id, side: side, otherParty: otherParty,
        state: "jurisdiction disputed; then the superior designates", what: "claimed: \(dispute.reason)")
      Self.fill(&item) {
        try Deadlines.negotiation(claimedOn: dispute.since, calendar: calendar, today: today)
      }
      return item
    }
    let requests = try home.store.requests().compactMap { request -> DueItem? in
      guard let state = RequestState(rawValue: request.state) else { return nil }
      let mine = request.requester == home.node.rawValue
      var item = DueItem(
        kind: "request", id: request.id, side: mine ? "requester" : "requested",
        otherParty: mine ? request.requested : request.requester, state: request.state,
        what: "\(request.caseReference): \(request.tasks.joined(separator: ", "))")
      guard
        Self.fill(
          &item,
          {
            try Deadlines.assistance(
              state: state, sent: request.sentOn, acknowledged: request.acknowledgedOn,
              extensionWorkingDays: request.extensionWorkingDays, calendar: calendar, today: today)
          })
      else { return nil }
      return item
    }
    let police = try home.store.policeTransfers().compactMap { transfer -> DueItem? in
      var item = DueItem(
        kind: "police", id: transfer.id, side: "bureau", otherParty: transfer.police, state: transfer.state,
        what: "")
      let day = { (iso: String?) in iso.map(CivilDate.init(iso:)) }
      switch transfer.state {
      case PoliceTransferState.reported.rawValue:
        item.what = "approve or refuse the transfer (3 days from the team's report)"
        Self.fill(&item) {
          try Deadlines.policeDays(
            from: transfer.reportedOn, runsFrom: "reported", calendar: calendar, today: today)
        }
      case PoliceTransferState.approved.rawValue:
        guard let approved = transfer.approved,
          let millis = ISO8601DateFormatter().date(from: approved)?.unixMillis
        else { return nil }
        // As of --today: noon in China that day.
        let now = asOf == nil ? Date().unixMillis : UInt64(today.daysSinceEpoch) * 86_400_000 + 4 * 3_600_000
        let (deadline, hours, urgency) = Deadlines.policeTransfer(approvedMillis: millis, nowMillis: now)
        item.what =
          "transfer within 24 hours of approval: by \(HLCTimestamp(wallMillis: deadline, counter: 0).iso8601)"
        item.runsFrom = "approved \(approved)"
        item.deadline = CivilDate(chinaDayOf: deadline)
        item.hoursLeft = hours
        item.urgency = urgency.rawValue
      case PoliceTransferState.transferred.rawValue:
        guard let start = day(transfer.transferred) else { return nil }
        item.what = "the police decide whether to file (3 days from the transfer)"
        Self.fill(&item) {
          try Deadlines.policeDays(from: start, runsFrom: "transferred", calendar: calendar, today: today)
        }
      case PoliceTransferState.policeDeclined.rawValue:
        guard let start = day(transfer.policeDecided) else { return nil }
        item.what = "ask the police to reconsider (3 days from their refusal)"
        Self.fill(&item) {
          try Deadlines.policeDays(from: start, runsFrom: "declined", calendar: calendar, today: today)
        }
      default:
        return nil
      }
      return item
    }
    return (decisions + designations + negotiations + requests + police).sorted {
      ($0.deadline?.daysSinceEpoch ?? .min, $0.id) < ($1.deadline?.daysSinceEpoch ?? .min, $1.id)
    }
  }
}

extension CalendarOption {
  /// Which side of a two-party matter `node` is on, and who the other party is; a node that is
  /// neither is the superior that settles it, and sees both.
  static func side(
    of node: String, between first: (node: String, side: String), and second: (node: String, side: String)
  )
    -> (side: String, otherParty: String)
  {
    if node == first.node { return (first.side, second.node) }
    if node == second.node { return (second.side, first.node) }
    return ("superior", "\(first.node), \(second.node)")
  }

  /// Puts a computed deadline into `item`, or the reason none could be computed (a calendar
  /// that does not cover the year). False when the item has no deadline (it is settled).
  @discardableResult
  static func fill(_ item: inout DueItem, _ compute: () throws -> Deadlines.Due?) -> Bool {
    do {
      guard let due = try compute() else { return false }
      item.runsFrom = "\(due.runsFrom) \(due.start)"
      item.deadline = due.deadline
      item.workingDaysLeft = due.workingDaysLeft
      item.urgency = due.urgency.rawValue
    } catch {
      item.problem = "\(error)"
    }
    return true
  }
}

/// One line of `liandong due`.
struct DueItem: Codable {
  var kind: String
  var id: String
  /// This node's side of the item.
  var side: String
  var otherParty: String
  var state: String
  var what: String
  var runsFrom: String? = nil
  var deadline: CivilDate? = nil
  var workingDaysLeft: Int? = nil
  /// For deadlines counted in hours (the 24 hours after a transfer to police is approved).
  var hoursLeft: Int? = nil
  /// ok, due-soon or overdue.
  var urgency: String? = nil
  /// Why no deadline could be computed (for example, a calendar that does not cover the year).
  var problem: String? = nil

  var left: String {
    if let hoursLeft { return hoursLeft < 0 ? "\(-hoursLeft)h overdue" : "\(hoursLeft)h" }
    guard let workingDaysLeft else { return "?" }
    return workingDaysLeft < 0 ? "\(-workingDaysLeft) overdue" : "\(workingDaysLeft)"
  }
}

struct DueCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "due",
    abstract: "What is due soon and what is overdue, on both sides of each request, in working days.",
    discussion: """
      Deadlines are counted in working days with the calendar (public holidays and make-up working \
      days), the start day not counted. An item is due soon from \(Deadlines.warningWorkingDays) working \
      days before its last day. Exit status 0 even when items are overdue; use --json in scripts.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var calendar: CalendarOption
  @Option(help: ArgumentHelp("Only items with at most this many working days left.", valueName: "days"))
  var within: Int?

  func execute() throws {
    let home = try options.openNode()
    let items = try calendar.dueItems(home).filter { item in
      guard let within else { return true }
      return (item.workingDaysLeft ?? .min) <= within
    }
    if options.json { return try Output.json(items) }
    guard !items.isEmpty else {
      return print("nothing due\(within.map { " within \($0) working days" } ?? "")")
    }
    Output.table(
      ["DEADLINE", "LEFT", "STATUS", "KIND", "ID", "SIDE", "WITH", "STATE", "WHAT"],
      items.map { item in
        [
          item.deadline?.description ?? "?", item.left, item.urgency ?? "unknown", item.kind, item.id,
          item.side,
          item.otherParty, item.state, item.problem.map { "\(item.what) [\($0)]" } ?? item.what,
        ]
      })
  }
}
