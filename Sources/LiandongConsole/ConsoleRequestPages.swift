import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore

/// Assistance requests: the list, one request's page with its deadline, story and acts, and acting.
extension ConsolePages {
  func requests(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let requests = try app.views.requests().reversed().map { RequestRow($0, language).values }
    return Rendered(
      template: "requests", title: language.phrase("requests"),
      values: ["requests": requests, "anyRequests": !requests.isEmpty], live: true)
  }

  func request(_ visit: Visit, id rawID: String) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let id = try app.objectID(rawID)
    let request = try app.request(id)
    var details = RequestRow(request, language).details
    if let due = try app.dueItems(calendar: try app.calendar(file: nil)).first(where: { $0.id == request.id })
    {
      details["deadline"] = due.deadline.map { "\($0)" } ?? ""
      details["left"] = due.left
    }
    let acts = visit.caller.may(.actOnCases) ? request.actsOpen(to: app.node) : []
    return Rendered(
      template: "request", title: "\(language.phrase("requestTitle")) \(Shown.text(request.caseReference))",
      values: [
        "request": details, "acts": acts.map { ActForm.request($0, id: request.id).values(language) },
        "story": try app.views.history(of: id).map { storyValues($0, language) },
        "reach": try reachRows(of: id, language), "objectID": request.id,
      ], live: true,
      notice: visit.query("done").map { language.phrase($0 == "sent" ? "requestSent" : "actDone") })
  }

  func actOnRequest(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      let reason = form.text("reason") ?? ""
      let step: RequestAct
      switch form["act"] ?? "" {
      case "acknowledge": step = .acknowledge
      case "accept": step = .accept
      case "close": step = .close
      case "extend":
        guard let days = form.text("workingDays").flatMap(Int.init) else {
          throw Failure(
            code: "api.bad-request", message: "an extension needs its number of working days, 1 to 30")
        }
        step = .extend(workingDays: days, reason: reason, deadline: nil)
      case "complete": step = .complete(findings: form.text("findings") ?? "", evidenceIDs: [])
      case "complete-partly": step = .completePartly(findings: form.text("findings") ?? "", evidenceIDs: [])
      case "decline": step = .decline(reason: reason)
      case "cancel": step = .cancel(reason: reason)
      case let other: throw Failure(code: "api.bad-request", message: "a request has no act \"\(other)\"")
      }
      _ = try app.act(onRequest: id, step, by: visit.caller.officer, calendar: try app.calendar(file: nil))
      return "\(Console.root)/requests/\(id)?done=act"
    } onRefusal: { visit, _, error in
      refused(try self.request(visit, id: rawID), error)
    }
  }
}

/// A request as a row of the list and as the facts of its page.
struct RequestRow {
  let request: RequestView
  let language: Language

  init(_ request: RequestView, _ language: Language) {
    self.request = request
    self.language = language
  }

  var values: [String: Any] {
    [
      "id": request.id, "caseReference": Shown.text(request.caseReference), "requester": request.requester,
      "requested": request.requested, "tasks": request.tasks.map(language.label).joined(separator: "、"),
      "state": language.label(request.state.rawValue), "sentOn": "\(request.sentOn)",
    ]
  }

  var details: [String: Any] {
    var values = values
    values["legalBasis"] = Shown.text(request.legalBasis)
    values["details"] = Shown.optional(request.details)
    values["wantedBy"] = request.wantedBy.map { "\($0)" }
    values["extension"] = request.extensionWorkingDays.map {
      "+\($0) · " + Shown.text(request.extensionReason ?? "")
    }
    values["findings"] = Shown.optional(request.findings)
    values["reason"] = Shown.optional(request.reason)
    return values
  }
}
