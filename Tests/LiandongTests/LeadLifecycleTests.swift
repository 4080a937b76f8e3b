import Foundation
import LiandongCore
import LiandongStore
import Testing

/// A lead after it is shared: each receiving bureau acknowledges, checks and decides, and its
/// decision is fed back to the origin; the owner may withdraw it or merge a duplicate.
@Suite("Lead lifecycle")
struct LeadLifecycleTests {
  func act(_ node: SimulatedNode, _ act: LeadAct, _ lead: ObjectID) throws {
    let view = try #require(try node.store.lead(lead.description))
    let audience = try Audience(parsing: view.audience).forAct(
      by: node.id, parties: [try NodeID(view.origin), try NodeID(view.owner)])
    try node.record([DomainOperation(objectID: lead, action: .leadAct(act))], audience: audience)
  }

  func codes(_ node: SimulatedNode) throws -> [String] { try node.store.refusals().map(\.code).sorted() }

  @Test("each receiving bureau acknowledges, checks and decides on its own; the origin sees every decision")
  func decisionsFedBack() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(audience: .all)
    try exchange(jjj, yrd, prd)
    try act(yrd, .acknowledge, lead)
    try act(yrd, .check, lead)
    try act(yrd, .extend(reason: "waiting for the platform"), lead)
    try act(yrd, .decide(outcome: .caseOpened, caseReference: "沪市监案〔2026〕88号", note: "opened"), lead)
    try act(yrd, .close, lead)
    try act(prd, .acknowledge, lead)
    try act(prd, .decide(outcome: .notOpened, caseReference: "", note: "no sales in our region"), lead)
    try exchange(jjj, yrd, prd)
    let seen = try #require(try jjj.store.lead(lead.description))
    #expect(seen.handling.map(\.bureau) == ["n1", "n2"])
    #expect(seen.handling[0].state == .closed && seen.handling[0].caseReference == "沪市监案〔2026〕88号")
    #expect(seen.handling[0].extended == "waiting for the platform")
    #expect(seen.handling[1].state == .notOpened && seen.handling[1].note == "no sales in our region")
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
    #expect(try codes(jjj).isEmpty)
  }

  @Test("wrong bureau or wrong state is refused; a case needs its reference; one extension only")
  func refusals() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(audience: .nodes([yrd.id]))
    try exchange(jjj, yrd)
    try act(jjj, .acknowledge, lead)  // the owner is not a receiver
    try act(yrd, .check, lead)  // not acknowledged yet
    try act(yrd, .acknowledge, lead)
    try act(yrd, .decide(outcome: .caseOpened, caseReference: " ", note: ""), lead)
    try act(yrd, .extend(reason: "one"), lead)
    try act(yrd, .extend(reason: "two"), lead)
    try act(yrd, .close, lead)  // nothing decided yet
    try act(yrd, .withdraw(note: "not mine"), lead)  // only the owner withdraws
    try exchange(jjj, yrd)
    // prd, outside the audience, forges an acknowledgement it was never entitled to.
    try prd.receive(try jjj.store.changes(after: [:]))
    try prd.record([DomainOperation(objectID: lead, action: .leadAct(.acknowledge))], audience: .all)
    try exchange(jjj, yrd, prd)
    #expect(
      try codes(jjj)
        == [
          "op.extended-already", "op.invalid", "op.not-owner", "op.not-receiver", "op.not-receiver",
          "op.wrong-state",
          "op.wrong-state",
        ])
  }

  @Test("the owner withdraws a lead as unfounded, or merges a duplicate; receivers take no new work on it")
  func withdrawAndMerge() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let first = try jjj.addLead(summary: "first", audience: .all)
    let duplicate = try jjj.addLead(summary: "same shop again", audience: .all)
    try exchange(jjj, yrd)
    try act(jjj, .merge(into: first), duplicate)
    try act(jjj, .withdraw(note: "the certificate turned out to be genuine"), first)
    try exchange(jjj, yrd)
    try act(yrd, .acknowledge, first)
    try exchange(jjj, yrd)
    let merged = try #require(try yrd.store.lead(duplicate.description))
    #expect(merged.state == .merged && merged.mergedInto == first.description)
    let withdrawn = try #require(try yrd.store.lead(first.description))
    #expect(withdrawn.state == .withdrawn && withdrawn.withdrawalNote?.contains("genuine") == true)
    #expect(try codes(yrd) == ["op.wrong-state"])
    // The listing of every lead, which reads each related table once, shows what each lead's own
    // view shows: notes and handling land on the lead they belong to.
    try act(yrd, .acknowledge, duplicate)
    try jjj.addLead(summary: "a third, untouched", audience: .all)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let listed = try node.store.leads()
      #expect(listed.count == 3)
      #expect(try listed.map { try node.store.lead($0.id) } == listed)
    }
  }

  @Test("a decision made while the owner withdrew the lead stands beside the withdrawal on both nodes")
  func decisionCrossesWithdrawal() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(audience: .nodes([yrd.id, prd.id]))
    try exchange(jjj, yrd, prd)
    try act(yrd, .acknowledge, lead)
    try exchange(jjj, yrd)
    // Neither has seen the other's act.
    try act(yrd, .decide(outcome: .caseOpened, caseReference: "沪市监案〔2026〕9号", note: ""), lead)
    try act(jjj, .withdraw(note: "the report was genuine after all"), lead)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let view = try #require(try node.store.lead(lead.description))
      #expect(view.state == .withdrawn && view.handling.first?.state == .caseOpened, "\(node.id): \(view)")
    }
    #expect(try codes(jjj).isEmpty && jjj.store.projectionDigest() == yrd.store.projectionDigest())
    // New work on the withdrawn lead is refused.
    try exchange(jjj, yrd, prd)
    try act(prd, .acknowledge, lead)
    try exchange(jjj, yrd, prd)
    #expect(try codes(jjj) == ["op.wrong-state"])
  }

  @Test("15 working days to decide from acknowledgement, 30 once extended, counted by hand")
  func decisionDeadline() throws {
    let acknowledged = try CivilDate("2026-02-13")
    let sent = try CivilDate("2026-02-02")
    let plain = try Deadlines.leadDecision(
      sent: sent, acknowledged: acknowledged, extended: false, calendar: .builtIn, today: acknowledged)
    let extended = try Deadlines.leadDecision(
      sent: sent, acknowledged: acknowledged, extended: true, calendar: .builtIn, today: acknowledged)
    // See CalendarTests: 12 March, and 15 working days after it, 2 April.
    let march12 = try CivilDate("2026-03-12")
    let april2 = try CivilDate("2026-04-02")
    #expect(plain.deadline == march12 && extended.deadline == april2)
    // Proven received the day before (the bureau's own checkpoint) and acknowledged later: the
    // period runs from receipt, whenever the officer acknowledges.
    let proven = try Deadlines.leadDecision(
      sent: sent, received: try CivilDate("2026-02-12"), acknowledged: try CivilDate("2026-02-24"),
      extended: false, calendar: .builtIn, today: acknowledged)
    let (february12, march11) = (try CivilDate("2026-02-12"), try CivilDate("2026-03-11"))
    #expect(proven.runsFrom == "received" && proven.start == february12)
    #expect(proven.deadline == march11, "\(proven)")
    // Neither proven nor acknowledged: the period runs from sending, and falls due all the same.
    let unanswered = try Deadlines.leadDecision(
      sent: acknowledged, acknowledged: nil, extended: false, calendar: .builtIn, today: march12)
    #expect(
      unanswered.runsFrom == "sent" && unanswered.deadline == march12 && unanswered.workingDaysLeft == 0)
  }
}
