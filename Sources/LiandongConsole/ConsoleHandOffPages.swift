import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// Hand-offs (案件移送): every case this node offered or was offered, with its state, the
/// deadline it runs under (a superior's designation after an objection, a negotiation after a
/// claim) and what this person may do about it now. The acts themselves are on
/// the case's page, beside its letter, evidence and story.
extension ConsolePages {
  func handOffs(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let me = app.node.rawValue
    let due = Dictionary(
      try app.dueItems(calendar: try app.calendar(file: nil)).filter {
        ["designation", "negotiation"].contains($0.kind)
      }.map { ($0.id, $0) },
      uniquingKeysWith: { a, _ in a })
    let handOffs = try app.handOffs().compactMap { lead -> [String: Any]? in
      guard let handOff = lead.handOff else { return nil }
      let acts = lead.handOffActsOpen(to: app.node, caller: visit.caller)
      // A leader's act that only a supervisor may take: said, so an officer knows whom to ask.
      let leaders = lead.handOffActsOpen(to: app.node).filter {
        LeadView.leadersHandOffActs.contains($0) && !acts.contains($0)
      }
      var row: [String: Any] = [
        "id": lead.id, "summary": Shown.text(String(lead.summary.prefix(80))),
        "subject": Shown.text(lead.subjects.map(\.name).joined(separator: "、")),
        "from": handOff.from, "to": handOff.to,
        "direction": language.phrase(handOff.to == me ? "handOffIn" : "handOffOut"),
        "state": language.label("handoff:\(handOff.state.rawValue)"),
        "letter": Shown.text(String(handOff.letter.prefix(120))),
        "deadline": due[lead.id].flatMap { $0.deadline.map { "\($0)" } } ?? "",
        "left": due[lead.id]?.left ?? "",
        "acts": acts.map { language.phrase("act:handoff-\($0)") }.joined(separator: "、"),
        "anyActs": !acts.isEmpty, "leaders": !leaders.isEmpty,
      ]
      row["reason"] = Shown.optional(handOff.reason)
      return row
    }
    return Rendered(
      template: "handoffs", title: language.phrase("handOffs"),
      values: ["handOffs": handOffs, "anyHandOffs": !handOffs.isEmpty], live: true)
  }
}
