import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore

/// Transfers to police (行刑衔接): each with its state, its deadline, and the steps the rules
/// allow this person now (approving or refusing is a supervisor's); acting on one.
extension ConsolePages {
  func policeTransfers(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let due = Dictionary(
      try app.dueItems(calendar: try app.calendar(file: nil)).map { ($0.id, $0) },
      uniquingKeysWith: { a, _ in a })
    let transfers = try app.views.policeTransfers().reversed().map { transfer -> [String: Any] in
      let open = Set(app.policeStepsOpen(transfer, to: visit.caller))
      let steps = PoliceAct.steps.filter { open.contains($0.name) }
      return [
        "id": transfer.id, "caseID": transfer.caseID, "bureau": transfer.bureau,
        // The case by its subject, as officers know it; its ID where this node cannot read it.
        "caseName": Shown.text(
          ((try? app.lead(ObjectID(transfer.caseID)))?.subjects.map(\.name).joined(separator: "、")).flatMap {
            $0.isEmpty ? nil : $0
          } ?? transfer.caseID),
        "police": Shown.text(transfer.police), "reportedOn": "\(transfer.reportedOn)",
        "state": language.phrase("policeState:\(transfer.state.rawValue)"),
        "note": Shown.text(transfer.note),
        "deadline": due[transfer.id].flatMap { $0.deadline.map { "\($0)" } } ?? "",
        "left": due[transfer.id]?.left ?? "",
        "steps": steps.map {
          [
            "step": $0.name, "label": language.phrase("policeStep:\($0.name)"), "needsNote": $0.needsNote,
            "id": transfer.id,
          ]
        },
      ]
    }
    return Rendered(
      template: "police", title: language.phrase("policeTransfers"),
      values: ["transfers": transfers, "anyTransfers": !transfers.isEmpty], live: true,
      notice: visit.query("done").map { language.phrase($0 == "reported" ? "policeReported" : "actDone") })
  }

  /// One step of a transfer to police, if this person may take it now.
  func actOnPoliceTransfer(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      let step = form["step"] ?? ""
      guard let act = PoliceAct(step: step, note: form.text("note") ?? "") else {
        throw Failure(code: "api.bad-request", message: "a transfer to police has no step \"\(step)\"")
      }
      if PoliceAct.isLeaders(step) { try visit.caller.require(.approveAsLeader) }
      _ = try app.act(onTransfer: id, act, by: visit.caller.officer)
      return "\(Console.root)/police?done=act"
    } onRefusal: { visit, _, error in
      refused(try policeTransfers(visit), error)
    }
  }
}
