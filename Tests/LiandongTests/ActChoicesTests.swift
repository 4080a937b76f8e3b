import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import Testing

/// The acts a front end offers (`LeadView.actsOpen(to:)`, `RequestView.actsOpen(to:)`) against
/// the reducers that judge them: an act not offered is refused, and the offered act taken at each
/// step stands.
@Suite("The acts offered on a lead or a request are the ones the rules accept")
struct ActChoicesTests {
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

  static let everyRequestAct = [
    "acknowledge", "accept", "extend", "complete", "complete-partly", "decline", "cancel", "close",
  ]

  static func requestStep(_ name: String) -> RequestAct {
    switch name {
    case "acknowledge": .acknowledge
    case "accept": .accept
    case "extend": .extend(workingDays: 10, reason: "records held by a third party", deadline: nil)
    case "complete": .complete(findings: "registered elsewhere", evidenceIDs: [])
    case "complete-partly": .completePartly(findings: "one of two tasks done", evidenceIDs: [])
    case "decline": .decline(reason: "outside our jurisdiction")
    case "cancel": .cancel(reason: "no longer needed")
    default: .close
    }
  }

  /// Every request act not offered to `node` is refused (by the use case or the reducer) and signs nothing.
  func refusesTheRest(on node: SimulatedNode, request: ObjectID) throws -> [String] {
    let offered = try node.app.request(request).actsOpen(to: node.id)
    for act in Self.everyRequestAct where !offered.contains(act) {
      let before = try node.store.versionVector()
      var refused = false
      do {
        _ = try node.app.act(onRequest: request, Self.requestStep(act), by: Officer("o"), now: node.tick())
      } catch { refused = true }
      #expect(refused, "\(node.id) was not offered \(act) but it was accepted")
      #expect(try node.store.versionVector() == before)
    }
    return offered
  }

  @Test("along a request's life, each side is offered what the rules let it do, and the rest is refused")
  func alongARequestsLife() throws {
    let requester = try SimulatedNode("n0")
    let requested = try SimulatedNode("n1")
    try SimulatedNode.acquaint([requester, requested])
    let request = try requester.sendRequest(to: requested.id)
    try exchange(requester, requested)
    let steps: [(SimulatedNode, [String], String)] = [
      (requested, ["acknowledge", "accept", "decline"], "acknowledge"),
      (requested, ["accept", "extend", "complete", "complete-partly", "decline"], "extend"),
      (requested, ["accept", "complete", "complete-partly", "decline"], "accept"),
      (requested, ["complete", "complete-partly", "decline"], "complete"),
      (requester, ["close"], "close"),
    ]
    #expect(try refusesTheRest(on: requester, request: request) == ["cancel"])
    for (node, expected, taken) in steps {
      #expect(try refusesTheRest(on: node, request: request) == expected, "before \(taken)")
      _ = try node.app.act(onRequest: request, Self.requestStep(taken), by: Officer("o"), now: node.tick())
      try exchange(requester, requested)
    }
    #expect(try refusesTheRest(on: requested, request: request) == [])
    #expect(try refusesTheRest(on: requester, request: request) == [])
  }

  /// Every hand-off act not offered to `node` is refused and signs nothing.
  func refusesOtherHandOffActs(on node: SimulatedNode, lead: ObjectID, to: NodeID) throws -> [String] {
    let offered = try node.app.lead(lead).handOffActsOpen(to: node.id)
    let every: [String: HandOffRequest] = [
      "offer": .offer(to: to, letter: "the operator is registered in your region", evidence: []),
      "accept": .accept,
      "object": .object(reason: "not ours"), "withdraw": .withdraw(reason: "sent too soon"),
    ]
    for (name, request) in every where !offered.contains(name) {
      let before = try node.store.versionVector()
      var refused = false
      do { _ = try node.app.handOff(lead, request, by: Officer("o"), now: node.tick()) } catch {
        refused = true
      }
      #expect(refused, "\(node.id) was not offered hand-off \(name) but it was accepted")
      #expect(try node.store.versionVector() == before)
    }
    return offered
  }

  @Test(
    "a hand-off: the owner is offered to offer it, the bureau offered it to accept or object, and no one else anything"
  )
  func alongAHandOff() throws {
    let owner = try SimulatedNode("n0")
    let offered = try SimulatedNode("n1")
    let bystander = try SimulatedNode("n2")
    try SimulatedNode.acquaint([owner, offered, bystander])
    let lead = try owner.addLead(audience: .nodes([offered.id, bystander.id]))
    try exchange(owner, offered, bystander)
    // The bureau offered the case had acknowledged the lead, as one it received does.
    _ = try offered.app.act(on: lead, .acknowledge, by: Officer("o"), now: offered.tick())
    try exchange(owner, offered, bystander)
    #expect(try refusesOtherHandOffActs(on: owner, lead: lead, to: offered.id) == ["offer"])
    #expect(try refusesOtherHandOffActs(on: offered, lead: lead, to: bystander.id) == [])
    _ = try owner.app.handOff(
      lead, .offer(to: offered.id, letter: "registered in your region", evidence: []), by: Officer("o"),
      now: owner.tick())
    try exchange(owner, offered, bystander)
    #expect(try refusesOtherHandOffActs(on: owner, lead: lead, to: offered.id) == ["withdraw"])
    let view = try offered.app.lead(lead)
    #expect(
      try refusesOtherHandOffActs(on: offered, lead: lead, to: bystander.id) == ["accept", "object"],
      "\(String(describing: view.handOff)) owner \(view.owner)")
    #expect(try refusesOtherHandOffActs(on: bystander, lead: lead, to: owner.id) == [])
    _ = try offered.app.handOff(lead, .accept, by: Officer("o"), now: offered.tick())
    try exchange(owner, offered, bystander)
    // The new owner received it by hand-off and may not pass it on; the old owner no longer owns it.
    #expect(try refusesOtherHandOffActs(on: offered, lead: lead, to: bystander.id) == [])
    #expect(try refusesOtherHandOffActs(on: owner, lead: lead, to: bystander.id) == [])
  }
}
