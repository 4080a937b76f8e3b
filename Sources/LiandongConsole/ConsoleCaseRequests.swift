import Foundation
import Hummingbird
import LiandongApp
import LiandongCore

/// The two acts on a case's page that start something of their own: asking another bureau for
/// assistance (委托调查), which then has its own page, and the team's report that the case should
/// go to the police (行刑衔接), which joins the transfers to police. A refusal shows the case
/// again with the reason and everything typed kept.
extension ConsolePages {
  func requestAssistance(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      // The case must be one this node may read (not a stub): the request is made from its page.
      _ = try app.lead(try app.objectID(rawID))
      let record = AssistanceRequestRecord(
        requested: try NodeID(form.text("to") ?? ""), caseReference: form.text("caseReference") ?? "",
        legalBasis: form.text("legalBasis") ?? "",
        tasks: try form.all("tasks").map { try AssistanceTask(canonical: $0) },
        details: form.text("details") ?? "",
        evidenceIDs: try form.all("evidence").map { try app.objectID($0) },
        wantedBy: try form.text("wantedBy").map { try CivilDate($0) })
      let sent = try app.sendRequest(record, by: visit.caller.officer).view
      return "\(Console.root)/requests/\(sent.id)?done=sent"
    } onRefusal: { visit, form, error in
      refused(try lead(visit, id: rawID, typed: form), error)
    }
  }

  func reportToPolice(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      func document(_ field: String) throws -> ObjectID {
        guard let chosen = form.text(field) else {
          throw CoreError.missingField("the \(field) of the package")
        }
        return try app.objectID(chosen)
      }
      let package = PolicePackage(
        letter: try document("letter"), investigationReport: try document("investigationReport"),
        itemsList: try document("itemsList"),
        testReports: try form.all("testReports").map { try app.objectID($0) })
      _ = try app.reportToPolice(
        case: id, police: form.text("police") ?? "", package: package,
        reportedOn: try form.text("reportedOn").map { try CivilDate($0) }, by: visit.caller.officer)
      return "\(Console.root)/police?done=reported"
    } onRefusal: { visit, form, error in
      refused(try lead(visit, id: rawID, typed: form), error)
    }
  }
}
