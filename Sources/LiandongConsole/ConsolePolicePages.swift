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
    let transfers = try app.views.policeTransfers().reversed().map {
      try transferValues($0, due: due[$0.id], visit)
    }
    return Rendered(
      template: "police", title: language.phrase("policeTransfers"),
      values: ["transfers": transfers, "anyTransfers": !transfers.isEmpty], live: true,
      notice: visit.query("done").map { language.phrase($0 == "reported" ? "policeReported" : "actDone") })
  }

  /// A transfer's facts, deadline and the steps open to this person, as a row of the list and
  /// as the head of its own page.
  private func transferValues(_ transfer: PoliceTransferView, due: DueItem?, _ visit: Visit) throws
    -> [String: Any]
  {
    let language = visit.language
    let open = Set(app.policeStepsOpen(transfer, to: visit.caller))
    let steps = PoliceAct.steps.filter { open.contains($0.name) }
    var values: [String: Any] = [
      "id": transfer.id, "caseID": transfer.caseID, "bureau": transfer.bureau,
      // The case by its subject, as officers know it; its ID where this node cannot read it.
      "caseName": Shown.text(
        ((try? app.lead(ObjectID(transfer.caseID)))?.subjects.map(\.name).joined(separator: "、")).flatMap {
          $0.isEmpty ? nil : $0
        } ?? transfer.caseID),
      "police": Shown.text(transfer.police), "reportedOn": "\(transfer.reportedOn)",
      "state": language.phrase("policeState:\(transfer.state.rawValue)"),
      "note": Shown.text(transfer.note),
      "deadline": due.flatMap { $0.deadline.map { "\($0)" } } ?? "",
      "left": due?.left ?? "",
      "steps": steps.map {
        [
          "step": $0.name, "label": language.phrase("policeStep:\($0.name)"), "needsNote": $0.needsNote,
          "id": transfer.id,
        ]
      },
    ]
    values["approved"] = transfer.approved.map { Shown.chinaTime($0) }
    values["transferred"] = transfer.transferred.map { Shown.chinaTime($0) }
    values["policeDecided"] = transfer.policeDecided.map { Shown.chinaTime($0) }
    return values
  }

  /// One transfer to police: its facts and dates, its package (each document with its file),
  /// its deadline, the steps open to this person, and its story across the regions that see it.
  func policeTransfer(_ visit: Visit, id rawID: String) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let id = try app.objectID(rawID)
    let transfer = try app.policeTransfer(id)
    let due = try app.dueItems(calendar: try app.calendar(file: nil)).first { $0.id == transfer.id }
    var values = try transferValues(transfer, due: due, visit)
    values["detail"] = true
    let documents: [(String, String)] =
      [
        ("transferLetter", transfer.letter), ("investigationReport", transfer.investigationReport),
        ("itemsList", transfer.itemsList),
      ] + transfer.testReports.map { ("testReports", $0) }
    values["documents"] = documents.map { role, evidenceID -> [String: Any] in
      let evidence = try? app.evidence(ObjectID(evidenceID))
      return [
        "role": language.phrase(role), "id": evidenceID,
        "fileName": evidence.map { Shown.text($0.fileName) } ?? evidenceID,
        "held": evidence.flatMap { try? app.heldFileLocation(of: $0) } != nil,
      ]
    }
    return Rendered(
      template: "policetransfer", title: "\(language.phrase("policeTransfer")) \(values["caseName"] ?? "")",
      values: [
        "transfer": values, "story": try app.views.history(of: id).map { storyValues($0, language) },
        "reach": try reachRows(of: id, language), "objectID": transfer.id,
      ], live: true,
      notice: visit.query("done").map { _ in language.phrase("actDone") })
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
      // Back to the page the form was on: the transfer's own, or the list.
      return form["return"] == "transfer"
        ? "\(Console.root)/police/\(id)?done=act" : "\(Console.root)/police?done=act"
    } onRefusal: { visit, _, error in
      refused(try policeTransfers(visit), error)
    }
  }
}
