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
    /// What the period runs from: "acknowledged" (receipt), or "sent" while not yet acknowledged.
    public var runsFrom: String
    public var start: CivilDate
    public var deadline: CivilDate
    public var workingDaysLeft: Int
    public var urgency: Urgency
  }

  /// The deadline of an open request, or nil once it has an outcome. The period runs from the
  /// requested bureau's acknowledgement (its receipt, as it signed it); until then, from sending,
  /// so that a request nobody acknowledges still falls due.
  public static func assistance(
    state: RequestState, sent: CivilDate, acknowledged: CivilDate?, extensionWorkingDays: Int?,
    calendar: WorkdayCalendar, today: CivilDate
  ) throws -> Due? {
    guard [.sent, .acknowledged, .inProgress, .conflict].contains(state) else { return nil }
    let start = acknowledged ?? sent
    var deadline = try calendar.deadline(after: start, workingDays: assistanceWorkingDays)
    if let extensionWorkingDays {
      deadline = try calendar.deadline(after: deadline, workingDays: extensionWorkingDays)
    }
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: acknowledged == nil ? "sent" : "acknowledged", start: start, deadline: deadline,
      workingDaysLeft: left,
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

  public static func leadDecision(
    acknowledged: CivilDate, extended: Bool, calendar: WorkdayCalendar, today: CivilDate
  )
    throws -> Due
  {
    let days = leadDecisionWorkingDays * (extended ? 2 : 1)
    let deadline = try calendar.deadline(after: acknowledged, workingDays: days)
    let left = try calendar.workingDaysLeft(from: today, until: deadline)
    return Due(
      runsFrom: "acknowledged", start: acknowledged, deadline: deadline, workingDaysLeft: left,
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
