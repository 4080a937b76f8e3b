import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// What needs an officer: the worklist (an operator is shown the node instead) and the deadline board.
extension ConsolePages {
  func worklist(_ visit: Visit) throws -> Rendered {
    guard visit.caller.may(.readCases) else { return try nodeStatus(visit) }
    let language = visit.language
    let query = visit.query("q") ?? ""
    try TextLimit.check("search text", query, limit: TextLimit.name)
    let work = try app.worklist(calendar: try app.calendar(file: nil)).matching(query)
    return Rendered(
      template: "worklist", title: language.phrase("worklist"),
      values: [
        "query": query,
        "toAcknowledge": work.toAcknowledge.map { LeadRow($0, language).values },
        "anyToAcknowledge": !work.toAcknowledge.isEmpty,
        "handOffs": work.handOffsOffered.map { lead -> [String: Any] in
          var row = LeadRow(lead, language).values
          row["letter"] = Shown.text(lead.handOff?.letter ?? "")
          return row
        },
        "anyHandOffs": !work.handOffsOffered.isEmpty,
        "conflicts": work.conflicts.map { conflictValues($0, language) },
        "anyConflicts": !work.conflicts.isEmpty,
        "due": work.due.map { DueRow($0, language).values }, "anyDue": !work.due.isEmpty,
      ], live: true)
  }

  func due(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let items = try app.dueItems(calendar: try app.calendar(file: nil))
    return Rendered(
      template: "due", title: language.phrase("dueBoard"),
      values: ["due": items.map { DueRow($0, language).values }, "anyDue": !items.isEmpty], live: true)
  }
}

/// One item with a deadline as a row of the worklist and the board.
struct DueRow {
  let item: DueItem
  let language: Language

  init(_ item: DueItem, _ language: Language) {
    self.item = item
    self.language = language
  }

  var values: [String: Any] {
    var row: [String: Any] = [
      "kind": language.label(item.kind),
      "side": language.label(["origin", "received"].contains(item.side) ? "\(item.side)-side" : item.side),
      "otherParty": item.otherParty, "state": language.label(item.state),
      "deadline": item.deadline.map { "\($0)" } ?? (item.problem.map(Shown.text) ?? ""), "left": item.left,
      "urgency": item.urgency ?? "ok", "urgencyName": language.phrase("urgency:\(item.urgency ?? "ok")"),
    ]
    // "received 2026-02-13": when a period from receipt started, and on what proof.
    if let runsFrom = item.runsFrom, let space = runsFrom.firstIndex(of: " "),
      ["received", "acknowledged", "sent"].contains(String(runsFrom[..<space]))
    {
      row["runsFrom"] =
        "\(language.phrase("runsFrom:\(runsFrom[..<space])")) \(runsFrom[runsFrom.index(after: space)...])"
    }
    switch item.kind {
    case "lead", "designation", "negotiation": row["link"] = "\(Console.root)/leads/\(item.id)"
    case "request": row["link"] = "\(Console.root)/requests/\(item.id)"
    default: break
    }
    return row
  }
}
