import Foundation
import LiandongCore

/// Early warning: two regions have open leads on the same subject (the same USCC, or the same
/// platform and shop ID). Each node computes it from the leads it can see; a node sees an alert
/// when it can see both leads.
public struct Alert: Codable, Sendable, Equatable {
  /// `uscc 91350100M000100Y43` or `shop 某电商平台/88231`.
  public var subject: String
  public var lead: String
  public var leadOrigin: String
  public var otherLead: String
  public var otherOrigin: String
}

public enum EarlyWarning {
  static let openStates: Set<String> = ["draft", "published", "acknowledged", "checking"]

  /// Pairs of open leads from different origins on the same subject, each pair once.
  public static func alerts(among leads: [LeadView]) -> [Alert] {
    var bySubject: [String: [LeadView]] = [:]
    for lead in leads where openStates.contains(lead.state) {
      var keys = Set<String>()
      for subject in lead.subjects {
        if let uscc = subject.uscc { keys.insert("uscc \(uscc)") }
        if let platform = subject.platform, let shop = subject.shopID {
          keys.insert("shop \(platform)/\(shop)")
        }
      }
      for key in keys { bySubject[key, default: []].append(lead) }
    }
    var alerts: [Alert] = []
    var seen = Set<String>()
    for (subject, group) in bySubject.sorted(by: { $0.key < $1.key }) {
      for (index, first) in group.enumerated() {
        for second in group[(index + 1)...] where first.origin != second.origin {
          let (a, b) = first.id < second.id ? (first, second) : (second, first)
          guard seen.insert("\(a.id) \(b.id)").inserted else { continue }
          alerts.append(
            Alert(subject: subject, lead: a.id, leadOrigin: a.origin, otherLead: b.id, otherOrigin: b.origin))
        }
      }
    }
    return alerts
  }
}
