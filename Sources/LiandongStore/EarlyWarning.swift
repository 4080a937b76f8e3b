import Foundation
import GRDB
import LiandongCore

/// Early warning: two regions have open leads on the same subject (the same USCC, or the same
/// platform and shop ID). A node sees an alert when it can read both leads, or when the other
/// region, which could read both, warned it by a signed `warn-of-subject` change.
public struct Alert: Codable, Sendable, Equatable {
  /// `uscc 91350100M000100Y43` or `shop 某电商平台/88231`.
  public var subject: String
  public var lead: String
  public var leadOrigin: String
  public var otherLead: String
  public var otherOrigin: String
  /// Set when this node learned of `otherLead` only from a warning by its origin: it cannot read it.
  public var warnedBy: String? = nil
  /// Origins of the pair that cannot read the other's lead (as far as this node knows the
  /// audiences): they are not warned unless the lead's origin sends a warning.
  public var unseenBy: [String] = []
}

/// A warning this node sent or received.
public struct WarningView: Codable, Sendable, Equatable {
  public var id: String
  public var from: String
  public var subject: String
  public var lead: String
  public var otherLead: String
}

public enum EarlyWarning {
  static let openStates: Set<LeadState> = [.draft, .published, .acknowledged, .checking]

  /// Pairs of open leads from different origins on the same subject, each pair once, then the
  /// warnings others sent about this node's visible open leads.
  public static func alerts(among leads: [LeadView], warnings: [WarningView] = [], node: String = "")
    -> [Alert]
  {
    let open = leads.filter { openStates.contains($0.state) }
    var bySubject: [String: [LeadView]] = [:]
    for lead in open {
      for key in subjectKeys(lead) { bySubject[key, default: []].append(lead) }
    }
    var alerts: [Alert] = []
    var seen = Set<String>()
    for (subject, group) in bySubject.sorted(by: { $0.key < $1.key }) {
      for (index, first) in group.enumerated() {
        for second in group[(index + 1)...] where first.origin != second.origin {
          let (a, b) = first.id < second.id ? (first, second) : (second, first)
          guard seen.insert("\(a.id) \(b.id)").inserted else { continue }
          let unseen = [(a, b), (b, a)].filter { lead, other in !readable(lead, by: other.origin) }.map {
            $0.1.origin
          }
          alerts.append(
            Alert(
              subject: subject, lead: a.id, leadOrigin: a.origin, otherLead: b.id, otherOrigin: b.origin,
              unseenBy: unseen.sorted()))
        }
      }
    }
    let byID = Dictionary(open.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    for warning in warnings where warning.from != node {
      guard let mine = byID[warning.otherLead], byID[warning.lead] == nil else { continue }
      let key = [mine.id, warning.lead].sorted().joined(separator: " ")
      guard seen.insert(key).inserted else { continue }
      alerts.append(
        Alert(
          subject: warning.subject, lead: mine.id, leadOrigin: mine.origin, otherLead: warning.lead,
          otherOrigin: warning.from, warnedBy: warning.from))
    }
    return alerts
  }

  /// The warnings `node` should send: for each alert where it owns one lead and the other lead's
  /// origin cannot read it, unless it already warned of that pair.
  public static func warningsToSend(_ alerts: [Alert], from node: String, sent: [WarningView]) -> [(
    to: String, warning: (subject: String, lead: String, otherLead: String)
  )] {
    let already = Set(sent.filter { $0.from == node }.map { "\($0.lead) \($0.otherLead)" })
    var result: [(to: String, warning: (subject: String, lead: String, otherLead: String))] = []
    for alert in alerts where alert.warnedBy == nil {
      for (mine, mineOrigin, other, otherOrigin) in [
        (alert.lead, alert.leadOrigin, alert.otherLead, alert.otherOrigin),
        (alert.otherLead, alert.otherOrigin, alert.lead, alert.leadOrigin),
      ] where mineOrigin == node && alert.unseenBy.contains(otherOrigin) {
        guard !already.contains("\(mine) \(other)") else { continue }
        result.append((otherOrigin, (alert.subject, mine, other)))
      }
    }
    return result
  }

  static func subjectKeys(_ lead: LeadView) -> Set<String> {
    var keys = Set<String>()
    for subject in lead.subjects {
      if let uscc = subject.uscc { keys.insert("uscc \(uscc)") }
      if let platform = subject.platform, let shop = subject.shopID {
        keys.insert("shop \(platform)/\(shop)")
      }
    }
    return keys
  }

  static func readable(_ lead: LeadView, by node: String) -> Bool {
    guard let audience = try? Audience(parsing: lead.audience), let id = try? NodeID(node),
      let origin = try? NodeID(lead.origin)
    else { return false }
    return audience.includes(id, origin: origin)
  }
}

extension ReadModels where Self: SQLBackedStore {
  /// Warnings this node sent or received, oldest first.
  public func warnings() throws -> [WarningView] {
    try snapshot { db in
      try db.rows("SELECT * FROM p_warnings ORDER BY sent_wall, sent_counter, id").map {
        WarningView(
          id: $0["id"], from: $0["from_node"], subject: $0["subject"], lead: $0["lead_id"],
          otherLead: $0["other_lead_id"])
      }
    }
  }

}
