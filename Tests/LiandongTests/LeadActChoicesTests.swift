import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import Testing

/// The acts a front end offers on a lead (`LeadView.actsOpen(to:)`) against the reducer that
/// judges them: an act not offered is refused, and the offered act taken at each step stands.
@Suite("The acts offered on a lead are the ones the rules accept")
struct LeadActChoicesTests {
  static let everyAct = ["acknowledge", "check", "decide", "extend", "close", "withdraw", "merge"]

  static func step(_ name: String, other: ObjectID) -> LeadAct {
    switch name {
    case "acknowledge": .acknowledge
    case "check": .check
    case "decide": .decide(outcome: .notOpened, caseReference: "", note: "no evidence of sale")
    case "extend": .extend(reason: "the shop's records are abroad")
    case "close": .close
    case "withdraw": .withdraw(note: "sent by mistake")
    default: .merge(into: other)
    }
  }

  /// Every act not offered to `node` is refused and leaves nothing behind.
  func refusesTheRest(on node: SimulatedNode, lead: ObjectID, other: ObjectID) throws -> [String] {
    let view = try node.app.lead(lead)
    let offered = view.actsOpen(to: node.id)
    for act in Self.everyAct where !offered.contains(act) {
      let before = try node.store.versionVector()
      #expect(
        throws: ActRefused.self,
        "\(node.id) was not offered \(act) in state \(view.state) but it was accepted"
      ) {
        try node.app.act(on: lead, Self.step(act, other: other), by: Officer("o"), now: node.tick())
      }
      #expect(try node.store.versionVector() == before)
    }
    return offered
  }

  @Test("along a lead's life, on the origin and on the receiver, offered acts stand and the rest are refused")
  func alongALife() throws {
    let origin = try SimulatedNode("n0")
    let receiver = try SimulatedNode("n1")
    try SimulatedNode.acquaint([origin, receiver])
    let lead = try origin.addLead(audience: .nodes([receiver.id]))
    let other = try origin.addLead(summary: "the same shop, found again", audience: .nodes([receiver.id]))
    try exchange(origin, receiver)

    #expect(try refusesTheRest(on: origin, lead: lead, other: other) == ["withdraw", "merge"])
    var path: [String] = []
    for expected in [
      ["acknowledge"], ["check", "decide", "extend"], ["decide", "extend"], ["decide"], ["close"], [],
    ] {
      let offered = try refusesTheRest(on: receiver, lead: lead, other: other)
      #expect(offered == expected, "after \(path)")
      guard let next = offered.first(where: { $0 != "decide" || offered.count == 1 }) else { break }
      // check, then extend, then decide, then close: the path through every offered kind.
      let taken = offered.contains("extend") && path.contains("check") ? "extend" : next
      _ = try receiver.app.act(
        on: lead, Self.step(taken, other: other), by: Officer("o"), now: receiver.tick())
      path.append(taken)
      try exchange(origin, receiver)
    }
    #expect(path == ["acknowledge", "check", "extend", "decide", "close"])
    // The origin may withdraw a lead no receiver has decided; after it, a receiver that had
    // acknowledged may still decide (its own case), not acknowledge anew.
    #expect(try refusesTheRest(on: origin, lead: other, other: lead) == ["withdraw", "merge"])
    _ = try receiver.app.act(on: other, .acknowledge, by: Officer("o"), now: receiver.tick())
    try exchange(origin, receiver)
    _ = try origin.app.act(on: other, .withdraw(note: "duplicate"), by: Officer("o"), now: origin.tick())
    try exchange(origin, receiver)
    let afterWithdrawal = try refusesTheRest(on: receiver, lead: other, other: lead)
    let handling = try receiver.app.lead(other).handling
    #expect(afterWithdrawal == ["decide"], "\(afterWithdrawal) \(handling)")
    #expect(try refusesTheRest(on: origin, lead: other, other: lead) == [])
  }
}
