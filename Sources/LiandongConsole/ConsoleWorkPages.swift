import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// What needs an officer (the worklist, the deadline board) and, for an operator, the node.
extension ConsolePages {
  func worklist(_ visit: Visit) throws -> Rendered {
    guard visit.caller.may(.readCases) else { return try nodeStatus(visit) }
    let language = visit.language
    let work = try app.worklist(calendar: try app.calendar(file: nil))
    return Rendered(
      template: "worklist", title: language.phrase("worklist"),
      values: [
        "toAcknowledge": work.toAcknowledge.map { LeadRow($0, language).values },
        "anyToAcknowledge": !work.toAcknowledge.isEmpty,
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

  /// The node's state and its peers: no case content, for an operator (and officers may look).
  func nodeStatus(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readNode)
    let language = visit.language
    let status =
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(try app.status())) as? [String: Any] ?? [:]
    let facts = status.keys.sorted().compactMap { key -> [String: Any]? in
      switch status[key] {
      case let text as String: ["name": key, "value": Shown.text(text)]
      case let number as NSNumber: ["name": key, "value": number.stringValue]
      default: nil
      }
    }
    return Rendered(
      template: "node", title: language.phrase("nodeStatus"),
      values: [
        "status": facts,
        "peers": try app.peers().map { peer -> [String: Any] in
          [
            "name": peer.node, "address": peer.address,
            "lastSuccess": peer.lastSuccess.map(Shown.chinaTime) ?? language.phrase("never"),
          ]
        },
      ])
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
    switch item.kind {
    case "lead", "designation", "negotiation": row["link"] = "\(Console.root)/leads/\(item.id)"
    case "request": row["link"] = "\(Console.root)/requests/\(item.id)"
    default: break
    }
    return row
  }
}
