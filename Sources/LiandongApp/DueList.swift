import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// The working-day calendar deadlines are counted with: `file` if given, else node.json's
  /// `calendar`, else the official schedule built into liandong.
  public func calendar(file: String?) throws -> WorkdayCalendar {
    guard let path = file ?? home.configuration.calendar, !path.isEmpty else { return .builtIn }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw UsageError(
        code: "calendar.unreadable",
        message: "cannot read the calendar file \(path): \(SystemError.reason(error))")
    }
    return try WorkdayCalendar(json: data)
  }

  /// The day `bureau` is proven, by its own checkpoint, to have received the object (a lead or
  /// request) with ID `id`, in China.
  func received(_ id: String, by bureau: String) throws -> CivilDate? {
    guard let object = try? ObjectID(id), let node = try? NodeID(bureau) else { return nil }
    return try store.receipt(of: object, by: node).map { CivilDate(chinaDayOf: $0.unixMillis) }
  }

  /// The bureau `bureau`'s decision whether to open a case on `lead`, seen from this node.
  private func decision(
    on lead: LeadView, by bureau: String, state: String, sent: CivilDate, acknowledged: CivilDate?,
    extended: Bool, calendar: WorkdayCalendar, today: CivilDate
  ) -> DueItem {
    let mine = bureau == node.rawValue
    var item = DueItem(
      kind: "lead", id: lead.id, side: mine ? "received" : "origin", otherParty: mine ? lead.origin : bureau,
      state: state, what: "decide whether to open a case: \(lead.summary.prefix(40))")
    DueItem.fill(&item) {
      try Deadlines.leadDecision(
        sent: sent, received: try received(lead.id, by: bureau), acknowledged: acknowledged,
        extended: extended,
        calendar: calendar, today: today)
    }
    return item
  }

  /// The bureaus a lead was sent to by name (`--to`): a lead shared with all informs every bureau
  /// but asks none of them for a decision.
  static func recipients(of lead: LeadView) -> [String] {
    guard lead.audience != "all", lead.audience != "origin-only" else { return [] }
    return lead.audience.split(separator: ",").map(String.init).filter { $0 != lead.origin }
  }

  /// Every open item with a deadline, on either side of it, soonest first.
  /// `asOf` counts as of that day (noon in China, for deadlines in hours); nil is `now`.
  public func dueItems(calendar: WorkdayCalendar, asOf: CivilDate? = nil, now: Date = Date()) throws
    -> [DueItem]
  {
    try dueItems(calendar: calendar, asOf: asOf, now: now, among: try store.leadsWithOpenWork())
  }

  /// The due items of `leads` (every lead with work open on it, or more), and of every request
  /// and transfer to police.
  func dueItems(
    calendar: WorkdayCalendar, asOf: CivilDate? = nil, now: Date = Date(), among leads: [LeadView]
  )
    throws -> [DueItem]
  {
    let today = asOf ?? CivilDate(chinaDayOf: now.unixMillis)
    let decisions = leads.flatMap { lead -> [DueItem] in
      let sent = CivilDate(iso: lead.created)
      let acting = lead.handling.compactMap { handling -> DueItem? in
        guard handling.state == .acknowledged || handling.state == .checking,
          let acknowledged = handling.acknowledgedOn
        else { return nil }
        return decision(
          on: lead, by: handling.bureau, state: handling.state.rawValue, sent: sent,
          acknowledged: acknowledged,
          extended: handling.extended != nil, calendar: calendar, today: today)
      }
      // A bureau the lead was sent to that has not acted yet: its period runs all the same.
      guard lead.state == .published else { return acting }
      let waiting = Self.recipients(of: lead).filter { bureau in
        !lead.handling.contains { $0.bureau == bureau }
          && (lead.origin == node.rawValue || bureau == node.rawValue)
      }
      return acting
        + waiting.map { bureau in
          decision(
            on: lead, by: bureau, state: "not-acknowledged", sent: sent, acknowledged: nil, extended: false,
            calendar: calendar, today: today)
        }
    }
    let designations = leads.compactMap { lead -> DueItem? in
      guard let handOff = lead.handOff, handOff.state == .objected,
        let objected = handOff.decidedOn
      else { return nil }
      let (side, otherParty) = DueItem.side(
        of: node.rawValue, between: (handOff.from, "offered"), and: (handOff.to, "objected"))
      var item = DueItem(
        kind: "designation", id: lead.id, side: side, otherParty: otherParty,
        state: "awaiting the superior's designation", what: "hand-off objected: \(handOff.reason ?? "")")
      DueItem.fill(&item) {
        try Deadlines.designation(objectedOn: objected, calendar: calendar, today: today)
      }
      return item
    }
    let negotiations = leads.compactMap { lead -> DueItem? in
      guard let dispute = lead.dispute else { return nil }
      let (side, otherParty) = DueItem.side(
        of: node.rawValue, between: (dispute.owner, "owner"), and: (dispute.claimant, "claimant"))
      var item = DueItem(
        kind: "negotiation", id: lead.id, side: side, otherParty: otherParty,
        state: "jurisdiction disputed; then the superior designates", what: "claimed: \(dispute.reason)")
      DueItem.fill(&item) {
        try Deadlines.negotiation(claimedOn: dispute.since, calendar: calendar, today: today)
      }
      return item
    }
    let requests = try store.requests().compactMap { request -> DueItem? in
      let mine = request.requester == node.rawValue
      var item = DueItem(
        kind: "request", id: request.id, side: mine ? "requester" : "requested",
        otherParty: mine ? request.requested : request.requester, state: request.state.rawValue,
        what: "\(request.caseReference): \(request.tasks.joined(separator: ", "))")
      guard
        DueItem.fill(
          &item,
          {
            try Deadlines.assistance(
              state: request.state, sent: request.sentOn,
              received: try received(request.id, by: request.requested),
              acknowledged: request.acknowledgedOn, extensionWorkingDays: request.extensionWorkingDays,
              calendar: calendar, today: today)
          })
      else { return nil }
      return item
    }
    let police = try store.policeTransfers().compactMap { transfer -> DueItem? in
      var item = DueItem(
        kind: "police", id: transfer.id, side: "bureau", otherParty: transfer.police,
        state: transfer.state.rawValue,
        what: "")
      let day = { (iso: String?) in iso.map(CivilDate.init(iso:)) }
      switch transfer.state {
      case .reported:
        item.what = "approve or refuse the transfer (3 days from the team's report)"
        DueItem.fill(&item) {
          try Deadlines.policeDays(
            from: transfer.reportedOn, runsFrom: "reported", calendar: calendar, today: today)
        }
      case .approved:
        guard let approved = transfer.approved,
          let millis = Date(iso8601: approved)?.unixMillis
        else { return nil }
        // As of --today: noon in China that day.
        let now = asOf == nil ? now.unixMillis : UInt64(today.daysSinceEpoch) * 86_400_000 + 4 * 3_600_000
        let (deadline, hours, urgency) = Deadlines.policeTransfer(approvedMillis: millis, nowMillis: now)
        item.what =
          "transfer within 24 hours of approval: by \(HLCTimestamp(wallMillis: deadline, counter: 0).iso8601)"
        item.runsFrom = "approved \(approved)"
        item.deadline = CivilDate(chinaDayOf: deadline)
        item.hoursLeft = hours
        item.urgency = urgency.rawValue
      case .transferred:
        guard let start = day(transfer.transferred) else { return nil }
        item.what = "the police decide whether to file (3 days from the transfer)"
        DueItem.fill(&item) {
          try Deadlines.policeDays(from: start, runsFrom: "transferred", calendar: calendar, today: today)
        }
      case .policeDeclined:
        guard let start = day(transfer.policeDecided) else { return nil }
        item.what = "ask the police to reconsider (3 days from their refusal)"
        DueItem.fill(&item) {
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

extension DueItem {
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
      item.problem = Failure(error).message
    }
    return true
  }
}

/// One open item with a deadline: one line of `liandong due`.
public struct DueItem: Codable, Sendable {
  public var kind: String
  public var id: String
  /// This node's side of the item.
  public var side: String
  public var otherParty: String
  public var state: String
  public var what: String
  public var runsFrom: String? = nil
  public var deadline: CivilDate? = nil
  public var workingDaysLeft: Int? = nil
  /// For deadlines counted in hours (the 24 hours after a transfer to police is approved).
  public var hoursLeft: Int? = nil
  /// ok, due-soon or overdue.
  public var urgency: String? = nil
  /// Why no deadline could be computed (for example, a calendar that does not cover the year).
  public var problem: String? = nil

  public var left: String {
    if let hoursLeft { return hoursLeft < 0 ? "\(-hoursLeft)h overdue" : "\(hoursLeft)h" }
    guard let workingDaysLeft else { return "?" }
    return workingDaysLeft < 0 ? "\(-workingDaysLeft) overdue" : "\(workingDaysLeft)"
  }
}
