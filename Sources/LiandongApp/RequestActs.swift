import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// Sends an assistance request (协助调查) to another bureau, and to it alone.
  public func sendRequest(_ record: AssistanceRequestRecord, by officer: Officer, now: Date = Date()) throws
    -> ActResult<RequestView>
  {
    try record.validate()
    guard record.requested != node else {
      throw UsageError(
        code: "usage.request-self", message: "a bureau cannot ask itself for assistance; name another node")
    }
    _ = try recipient(record.requested, of: "a request")
    let today = CivilDate(chinaDayOf: now.unixMillis)
    if let wanted = record.wantedBy, wanted < today {
      throw UsageError(
        code: "input.date-passed",
        message:
          "--wanted-by \(wanted) has passed (today is \(today), China time); ask for a day from today on")
    }
    let id = local.newObjectID()
    return try act(
      "request send", [DomainOperation(objectID: id, action: .createRequest(record))],
      audience: .nodes([record.requested]), by: officer, now: now
    ) { try self.request(id) }
  }

  /// A step on a request by one of its two bureaus, built on the request's last operation (so
  /// two acts made at once by both sides are a visible conflict) and shared with the other one.
  /// An extension carries the deadline as `calendar` counts it, and is refused (with the
  /// reducer's code, before anything is signed) once that day has passed as of `today`.
  public func act(
    onRequest id: ObjectID, _ step: RequestAct, by officer: Officer, calendar: WorkdayCalendar = .builtIn,
    today: CivilDate? = nil, now: Date = Date()
  ) throws -> ActResult<RequestView> {
    let before = try request(id)
    let requester = before.requester == node.rawValue
    guard requester || before.requested == node.rawValue else {
      throw UsageError(
        code: "request.not-party",
        message: "this node (\(node)) is neither the requester nor the requested bureau of \(before.id)")
    }
    if let side = step.side, (side == .requester) != requester {
      let who = side == .requester ? "requester \(before.requester)" : "requested bureau \(before.requested)"
      throw UsageError(
        code: "request.wrong-party", message: "only the \(who) may \(step.name) request \(before.id)")
    }
    var step = step
    if case .extend(let days, let reason, _) = step {
      let asOf = today ?? CivilDate(chinaDayOf: now.unixMillis)
      let deadline = try dueItems(calendar: calendar, asOf: asOf, now: now).first { $0.id == before.id }?
        .deadline
      if let deadline, asOf > deadline {
        throw UsageError(
          code: "op.deadline-passed",
          message: "the deadline \(deadline) has passed; an extension must be notified before it")
      }
      step = .extend(workingDays: days, reason: reason, deadline: deadline)
    }
    let other = try NodeID(requester ? before.requested : before.requester)
    return try act(
      step.name,
      [DomainOperation(objectID: id, action: .actOnRequest(step, basis: try OperationRef(before.head)))],
      audience: .nodes([other]), by: officer, now: now
    ) { try self.request(id) }
  }

  public func request(_ id: ObjectID) throws -> RequestView { try existing("request", id, store.request) }
}
