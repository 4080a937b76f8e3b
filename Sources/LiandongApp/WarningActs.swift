import Foundation
import LiandongCore
import LiandongStore

/// One warning `warnRegionsThatCannotSee` signed.
public struct WarningSent: Codable, Sendable {
  public var id: String
  public var to: String
  public var subject: String
  public var lead: String
  public var otherLead: String
}

extension NodeApp {
  /// Early warning: each region that has an open lead on a subject this node also has one on, but
  /// cannot read this node's lead, gets a signed warning naming both leads and the subject (not
  /// the lead's content), addressed to it alone. Each pair is warned of once.
  public func warnRegionsThatCannotSee(by officer: Officer, now: Date = Date()) throws -> [WarningSent] {
    let warnings = try store.warnings()
    let pending = EarlyWarning.warningsToSend(
      try alerts(warnings: warnings),
      from: node.rawValue, sent: warnings)
    return try pending.map { to, warning in
      let id = local.newObjectID()
      let signed = SubjectWarning(
        subject: warning.subject, lead: try ObjectID(warning.lead), otherLead: try ObjectID(warning.otherLead)
      )
      _ = try act(
        "warn", [DomainOperation(objectID: id, action: .warnOfSubject(signed))],
        audience: .nodes([try NodeID(to)]),
        by: officer, now: now
      ) { () }
      return WarningSent(
        id: id.description, to: to, subject: warning.subject, lead: warning.lead, otherLead: warning.otherLead
      )
    }
  }
}
