import Foundation
import LiandongApp
import LiandongCore

/// "Why isn't this at that node?": for any object, change by change, whether each other node
/// holds it and, where not, why, as `liandong reach` answers it. Officers see it beside a case;
/// it names changes and nodes, so it is read with the cases' permission.
extension ConsolePages {
  func reach(_ visit: Visit, id rawID: String) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let id = try app.objectID(rawID)
    let asked = visit.query("node").flatMap { $0.isEmpty ? nil : $0 }
    let reaches = try app.reach(of: id, at: asked.map { [$0] } ?? [])
    let nodes = try app.knownNodes().subtracting([app.node]).map(\.rawValue).sorted()
    return Rendered(
      template: "reach", title: language.phrase("reachTitle"),
      values: [
        "object": id.description, "back": try backLink(to: id),
        "nodes": nodes.map { ["value": $0, "name": $0, "selected": $0 == asked] },
        "reaches": reaches.map { reach -> [String: Any] in
          [
            "node": reach.node, "summary": Self.reachSummary(reach, language),
            "arrived": reach.arrived,
            "changes": reach.changes.map { change -> [String: Any] in
              // Mustache shows a section for an empty text too: the code only where there is one.
              var row: [String: Any] = [
                "change": String(change.change.prefix(12)), "time": Shown.chinaTime(change.time),
                "origin": change.origin,
                "what": Shown.text(StoryPhrases.what((change.action, change.words, change.what), language)),
                "state": change.state,
                "stateName": Self.reachPhrase(change, language),
                "since": change.since.map { Shown.chinaTime($0) } ?? "",
              ]
              row["code"] = change.code
              return row
            },
          ]
        },
      ])
  }

  /// One line per other node for a case's page: arrived, outside its audience, or how many of
  /// the case's changes have not reached it and why the first has not.
  func reachRows(of id: ObjectID, _ language: Language) throws -> [[String: Any]] {
    try app.reach(of: id).map { reach in
      ["node": reach.node, "summary": Self.reachSummary(reach, language), "arrived": reach.arrived]
    }
  }

  static func reachSummary(_ reach: ObjectReach, _ language: Language) -> String {
    if reach.arrived { return language.phrase("reachArrived") }
    if !reach.inAudience { return language.phrase("reach:outside-audience") }
    let missing = reach.changes.filter {
      !["origin", "proven", "held-by-its-word", "outside-audience"].contains($0.state)
    }
    let first = missing.first.map { reachPhrase($0, language) } ?? ""
    return "\(missing.count)/\(reach.changes.count) \(language.phrase("reachMissing")): " + first
  }

  static func reachPhrase(_ change: ChangeReach, _ language: Language) -> String {
    if change.state == "not-yet-sent", change.configuredPeer == false {
      return language.phrase("reach:not-a-peer")
    }
    return language.phrase("reach:\(change.state)")
  }

  /// Where the page came from: the lead's page, the request's, or nowhere for other objects.
  private func backLink(to id: ObjectID) throws -> String {
    if (try? app.lead(id)) != nil { return "\(Console.root)/leads/\(id)" }
    if (try? app.request(id)) != nil { return "\(Console.root)/requests/\(id)" }
    return ""
  }
}
