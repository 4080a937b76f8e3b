import Foundation
import LiandongCore
import LiandongStore

/// What needs an officer of this node: leads sent here to acknowledge, cases offered here to
/// accept or object to, conflicts to resolve, and every open item with a deadline, soonest first.
public struct Worklist: Sendable {
  public var toAcknowledge: [LeadView]
  /// Cases another bureau hands off to this one, waiting for its decision.
  public var handOffsOffered: [LeadView]
  /// Acts made at once that cannot both stand, until a signed resolution settles each.
  public var conflicts: [ConflictView]
  public var due: [DueItem]

  /// Only the work that mentions `text` (as lead search compares text: a lead's summary or a
  /// subject's name, USCC, platform or shop; an item's description or other party; an ID), or
  /// all of it for an empty text.
  public func matching(_ text: String) -> Worklist {
    let needle = LeadFilter.folded(text)
    guard !needle.isEmpty else { return self }
    func finds(_ fields: [String?]) -> Bool {
      fields.contains { $0.map { LeadFilter.finds(needle, in: $0) } ?? false }
    }
    func mentions(_ lead: LeadView) -> Bool {
      finds([lead.summary, lead.id, lead.origin])
        || lead.subjects.contains { finds([$0.name, $0.uscc, $0.platform, $0.shopID]) }
    }
    var found = self
    found.toAcknowledge = toAcknowledge.filter(mentions)
    found.handOffsOffered = handOffsOffered.filter(mentions)
    found.conflicts = conflicts.filter { finds([$0.id, $0.between, $0.kind]) }
    found.due = due.filter { finds([$0.what, $0.otherParty, $0.id, $0.kind]) }
    return found
  }
}

extension NodeApp {
  public func worklist(calendar: WorkdayCalendar, now: Date = Date()) throws -> Worklist {
    try worklist(calendar: calendar, now: now, among: try store.leadsWithOpenWork())
  }

  /// The worklist from `leads` (every lead with work open on it, or more).
  func worklist(calendar: WorkdayCalendar, now: Date = Date(), among leads: [LeadView]) throws -> Worklist {
    Worklist(
      toAcknowledge: leads.filter { $0.awaitsAcknowledgement(by: node) }.reversed(),
      handOffsOffered: leads.filter { $0.handOff?.to == node.rawValue && $0.handOff?.state == .offered }
        .reversed(),
      conflicts: try views.conflicts(), due: try dueItems(calendar: calendar, now: now, among: leads))
  }
}
