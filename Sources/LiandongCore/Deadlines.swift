import Foundation

/// The legal deadlines of DOMAIN.md, computed with a working-day calendar. Each has a warning
/// point before its hard limit; both sides of a request see the same figures.
public enum Deadlines {
  /// An assistance request must be completed within 15 working days of receipt (Art. 45).
  public static let assistanceWorkingDays = 15
  /// "Due soon" from this many working days before the last day.
  public static let warningWorkingDays = 3

  public enum Urgency: String, Codable, Sendable {
    case ok
    case dueSoon = "due-soon"
    case overdue
  }

  public struct Due: Codable, Sendable, Equatable {
    /// What the period runs from: "received" (the receiving node's own checkpoint proves it held
    /// the item), "acknowledged" (its officer's signed act), whichever came first; or "sent"
    /// while neither exists.
    public var runsFrom: String
    public var start: CivilDate
    public var deadline: CivilDate
    public var workingDaysLeft: Int
    public var urgency: Urgency
  }

  /// Where a period "from receipt" starts (DOMAIN.md, "Receipt"): the receiving node's proven
  /// receipt or its acknowledgement, whichever is earlier, since both are its own signed word
  /// that it held the item; nil while neither exists. An officer who waits to acknowledge does
  /// not move the start.
  public static func receipt(received: CivilDate?, acknowledged: CivilDate?) -> (
    runsFrom: String, day: CivilDate
  )? {
    switch (received, acknowledged) {
    case (let received?, let acknowledged?):
      received <= acknowledged ? ("received", received) : ("acknowledged", acknowledged)
    case (let received?, nil): ("received", received)
    case (nil, let acknowledged?): ("acknowledged", acknowledged)
    case (nil, nil): nil
    }
  }

  /// The deadline of an open request, or nil once it has an outcome. The period runs from the
  /// requested bureau's receipt (`receipt`); until then, from sending, so that a request nobody
  /// is proven to have received still falls due.
  public static func assistance(
    state: RequestState, sent: CivilDate, received: CivilDate? = nil, acknowledged: CivilDate?,
    extensionWorkingDays: Int?, calendar: WorkdayCalendar, today: CivilDate
  ) throws -> Due? {
    guard [.sent, .acknowledged, .inProgress, .conflict].contains(state) else { return nil }
    let (runsFrom, start) = receipt(received: received, acknowledged: acknowledged) ?? ("sent", sent)
    var deadline = try calendar.deadline(after: start, workingDays: assistanceWorkingDays)
    if let extensionWorkingDays {
      deadline = try calendar.deadline(after: deadline, workingDays: extensionWorkingDays)
    }
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: runsFrom, start: start, deadline: deadline, workingDaysLeft: left,
      urgency: today > deadline ? .overdue : left <= warningWorkingDays ? .dueSoon : .ok)
  }

  /// After an objection to a hand-off, the common superior designates jurisdiction within 7
  /// working days (Art. 14, 16).
  public static let designationWorkingDays = 7

  public static func designation(objectedOn: CivilDate, calendar: WorkdayCalendar, today: CivilDate) throws
    -> Due
  {
    let deadline = try calendar.deadline(after: objectedOn, workingDays: designationWorkingDays)
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: "objected", start: objectedOn, deadline: deadline, workingDaysLeft: left,
      urgency: today > deadline ? .overdue : left <= warningWorkingDays ? .dueSoon : .ok)
  }

  /// Two bureaus that both claim a case negotiate for 7 working days; then the common superior
  /// designates (Art. 13).
  public static func negotiation(claimedOn: CivilDate, calendar: WorkdayCalendar, today: CivilDate) throws
    -> Due
  {
    var due = try designation(objectedOn: claimedOn, calendar: calendar, today: today)
    due.runsFrom = "claimed"
    return due
  }

  /// A receiving bureau decides whether to open a case within 15 working days of receipt,
  /// extendable once by 15 (Art. 18).
  public static let leadDecisionWorkingDays = 15

  /// The period runs from the receiving bureau's receipt (`receipt`); until one is proven, from
  /// sending, so that a lead nobody acknowledges still falls due.
  public static func leadDecision(
    sent: CivilDate, received: CivilDate? = nil, acknowledged: CivilDate?, extended: Bool,
    calendar: WorkdayCalendar, today: CivilDate
  )
    throws -> Due
  {
    let days = leadDecisionWorkingDays * (extended ? 2 : 1)
    let (runsFrom, start) = receipt(received: received, acknowledged: acknowledged) ?? ("sent", sent)
    let deadline = try calendar.deadline(after: start, workingDays: days)
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: runsFrom, start: start, deadline: deadline, workingDaysLeft: left,
      urgency: today > deadline ? .overdue : left <= warningWorkingDays ? .dueSoon : .ok)
  }

  /// Transfer to police: approve or refuse within 3 days of the team's report; the police
  /// decide within 3 days of the transfer; reconsideration is asked within 3 days of a refusal.
  /// Calendar days, a last day off work moving to the next working day.
  public static let policeDays = 3
  /// After approval the case goes to the police within 24 hours.
  public static let policeTransferHours = 24

  public static func policeDays(
    from start: CivilDate, runsFrom: String, calendar: WorkdayCalendar, today: CivilDate
  )
    throws -> Due
  {
    let deadline = try calendar.deadline(after: start, calendarDays: policeDays)
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: runsFrom, start: start, deadline: deadline, workingDaysLeft: left,
      urgency: today > deadline ? .overdue : today == deadline ? .dueSoon : .ok)
  }

  /// The 24 hours after approval, in milliseconds since the epoch, and how it stands at `now`.
  public static func policeTransfer(approvedMillis: UInt64, nowMillis: UInt64) -> (
    deadlineMillis: UInt64, hoursLeft: Int, urgency: Urgency
  ) {
    let deadline = approvedMillis + UInt64(policeTransferHours) * 3_600_000
    let left = (Int64(deadline) - Int64(nowMillis)) / 3_600_000
    return (deadline, Int(left), nowMillis > deadline ? .overdue : left < 6 ? .dueSoon : .ok)
  }
}
