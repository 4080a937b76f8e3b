import Foundation
import LiandongCore
import LiandongStore

/// What needs an officer of this node: leads sent here to acknowledge, and every open item with a
/// deadline, soonest first.
public struct Worklist: Sendable {
  public var toAcknowledge: [LeadView]
  public var due: [DueItem]
}

extension NodeApp {
  public func worklist(calendar: WorkdayCalendar, now: Date = Date()) throws -> Worklist {
    Worklist(
      toAcknowledge: try store.leads().filter { $0.awaitsAcknowledgement(by: node) }.reversed(),
      due: try dueItems(calendar: calendar, now: now))
  }
}
