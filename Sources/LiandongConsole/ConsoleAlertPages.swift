import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore

/// Early warnings (预警: open leads of different regions on one subject) and conflicts (acts made
/// at once that cannot both stand), as `liandong alerts` and `liandong conflicts` list them; an
/// officer warns the regions that cannot see this node's lead from here.
extension ConsolePages {
  func alerts(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let (alerts, regionsToWarn) = try app.alerts()
    let conflicts = try app.views.conflicts()
    return Rendered(
      template: "alerts", title: language.phrase("alertsAndConflicts"),
      values: [
        "alerts": alerts.map { alert -> [String: Any] in
          [
            "subject": Shown.text(alert.subject), "lead": alert.lead, "leadOrigin": alert.leadOrigin,
            "otherLead": alert.otherLead, "otherOrigin": alert.otherOrigin,
            // A lead this node knows of only from its origin's warning has no page here.
            "otherReadable": alert.warnedBy == nil,
            "note": alert.warnedBy.map { language.phrase("warnedBy") + " " + $0 }
              ?? (alert.unseenBy.isEmpty
                ? "" : language.phrase("unseenBy") + " " + alert.unseenBy.joined(separator: ", "))
              ,
          ]
        },
        "anyAlerts": !alerts.isEmpty,
        "mayWarn": regionsToWarn > 0 && visit.caller.may(.actOnCases),
        "regionsToWarn": "\(regionsToWarn)",
        "conflicts": conflicts.map { conflictValues($0, language) },
        "anyConflicts": !conflicts.isEmpty,
      ], live: true,
      notice: visit.query("warned").map { language.phrase("warningsSent") + " " + $0 })
  }

  /// Warns each region that cannot see this node's lead on a subject it also has an open lead on
  /// (`NodeApp.warnRegionsThatCannotSee`).
  func warnRegions(_ request: Request) async throws -> Response {
    try await act(request) { visit, _ in
      let sent = try app.warnRegionsThatCannotSee(by: visit.caller.officer)
      return "\(Console.root)/alerts?warned=\(sent.count)"
    } onRefusal: { visit, _, error in
      refused(try alerts(visit), error)
    }
  }
}

extension ConsolePages {
  /// A conflict as a row: on the alerts page, and on the worklist until it is resolved.
  func conflictValues(_ conflict: ConflictView, _ language: Language) -> [String: Any] {
    [
      "kind": language.phrase("conflictKind:\(conflict.kind)"), "id": conflict.id,
      "isLead": conflict.kind != "request",
      "between": conflict.between,
      "acts": conflict.acts.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) },
      "resolveWith": conflict.resolveWith,
    ]
  }
}
