import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Case hand-off (案件移送): offer, accept, object, withdraw; no passing on; who may do what.
@Suite("Case hand-off")
struct HandOffTests {
  func codes(_ node: SimulatedNode) throws -> [String] { try node.store.refusals().map(\.code).sorted() }

  @Test("an accepted case changes owner everywhere; the new owner edits it and may not pass it on")
  func acceptMovesOwnership() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(summary: "seller registered in Shanghai", audience: .nodes([yrd.id]))
    try exchange(jjj, yrd)
    try jjj.handOff(try jjj.offer(lead, to: yrd.id), on: lead)
    try exchange(jjj, yrd)
    #expect(try yrd.store.lead(lead.description)?.handOff?.state == .offered)
    try yrd.handOff(.accept, on: lead)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let view = try #require(try node.store.lead(lead.description))
      #expect(view.owner == "n1" && view.handOff?.state == .accepted && view.receivedByHandOff)
    }
    // The old owner's edits no longer count; the new owner's do.
    var patch = LeadPatch()
    patch.risk = .serious
    try jjj.record([DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .nodes([yrd.id]))
    patch.risk = .high
    try yrd.record([DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .nodes([jjj.id]))
    // yrd may not pass the case on (Art. 16): the superior designates instead.
    try yrd.handOff(try yrd.offer(lead, to: prd.id), on: lead)
    try exchange(jjj, yrd)
    #expect(try jjj.store.lead(lead.description)?.risk == .high)
    #expect(try codes(jjj) == ["op.no-second-handoff", "op.not-owner"])
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
  }

  @Test("only the bureau offered the case accepts or objects; only the owner offers or withdraws")
  func whoMayAct() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(audience: .all)
    try exchange(jjj, yrd, prd)
    try yrd.handOff(try yrd.offer(lead, to: prd.id), on: lead)  // not the owner
    try jjj.handOff(try jjj.offer(lead, to: yrd.id), on: lead)
    try exchange(jjj, yrd, prd)
    try prd.handOff(.accept, on: lead)  // not the bureau offered it
    try yrd.handOff(.withdraw(reason: "not mine"), on: lead)  // only the offerer withdraws
    try jjj.handOff(try jjj.offer(lead, to: prd.id), on: lead)  // already on offer
    try exchange(jjj, yrd, prd)
    #expect(try codes(jjj) == ["op.not-owner", "op.wrong-party", "op.wrong-party", "op.wrong-state"])
    try yrd.handOff(
      .object(reason: "the seller operates in Zhejiang, outside our jurisdiction", snapshot: nil), on: lead)
    try exchange(jjj, yrd, prd)
    let view = try #require(try prd.store.lead(lead.description))
    #expect(
      view.owner == "n0" && view.handOff?.state == .objected
        && view.handOff?.reason?.contains("Zhejiang") == true)
    // After an objection the owner may offer it elsewhere, or withdraw nothing (no open offer).
    try jjj.handOff(.withdraw(reason: "late"), on: lead)
    try exchange(jjj, yrd, prd)
    #expect(try codes(jjj).last == "op.wrong-state")
  }

  @Test("a bureau outside the lead's audience reads the case from the offer, and can accept it")
  func offerSharesTheCase() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try jjj.addLead(summary: "private to yrd at first", audience: .nodes([yrd.id]))
    try exchange(jjj, yrd, prd)
    #expect(try prd.store.lead(lead.description) == nil)
    try jjj.handOff(try jjj.offer(lead, to: prd.id), on: lead)
    try exchange(jjj, yrd, prd)
    #expect(try prd.store.lead(lead.description)?.summary == "private to yrd at first")
    try prd.handOff(.accept, on: lead)
    try exchange(jjj, yrd, prd)
    for node in [jjj, yrd, prd] { #expect(try node.store.lead(lead.description)?.owner == "n2") }
  }

  @Test("after an objection the superior designates within 7 working days, counted by hand")
  func designationDeadline() throws {
    // Objected Monday 29 September 2025: 30 Sep = 1, 1-8 Oct holiday, 9-10 Oct = 2-3,
    // Sat 11 Oct (make-up) = 4, 13-15 Oct = 5-7.
    let due = try Deadlines.designation(
      objectedOn: try CivilDate("2025-09-29"), calendar: .builtIn, today: try CivilDate("2025-10-13"))
    let october15 = try CivilDate("2025-10-15")
    #expect(due.deadline == october15 && due.workingDaysLeft == 2 && due.urgency == .dueSoon)
  }

  @Test(
    "a manifest, or a designation citing one, that the federation CA did not sign is refused before it is stored"
  )
  func forgedManifest() throws {
    let (superior, claimant) = (try SimulatedNode("n0"), try SimulatedNode("n2"))
    let lead = try superior.addLead(audience: .all)
    try exchange(superior, claimant)
    let forged = try TestFederation(label: "forged-manifest").signedManifest(
      #"{"federation": "test", "version": 9, "superiors": {"n2": ["n0", "n2"]}}"#)
    func refusal(_ node: SimulatedNode, _ action: DomainOperation.Action, audience: Audience = .all)
      -> String?
    {
      let error = #expect(throws: StoreError.self) {
        try node.record([DomainOperation(objectID: lead, action: action)], audience: audience)
      }
      return error?.code
    }
    #expect(refusal(claimant, .publishManifest(forged)) == "local.change.manifest-invalid")
    #expect(
      refusal(
        claimant,
        .handOff(.designate(to: claimant.id, reason: "self-appointed", manifest: forged), basis: nil))
        == "local.change.manifest-invalid")
    let genuine = try TestFederation.shared.manifest
    #expect(
      refusal(superior, .publishManifest(genuine), audience: .nodes([claimant.id]))
        == "local.change.manifest-not-public")
    // A genuine one, published by any node, is accepted.
    try claimant.record(
      [DomainOperation(objectID: ObjectID(), action: .publishManifest(genuine))], audience: .all)
    try exchange(superior, claimant)
    #expect(try superior.store.currentManifest()?.view.version == 1)
  }
}
