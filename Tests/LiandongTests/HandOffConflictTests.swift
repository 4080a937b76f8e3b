import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Hand-off acts made at once by different bureaus, and sharing a case's history and evidence
/// with its new owner by signed acts.
@Suite("Hand-off conflicts and sharing with the new owner")
struct HandOffConflictTests {
  func codes(_ node: SimulatedNode) throws -> [String] { try node.store.refusals().map(\.code).sorted() }

  @Test("an acceptance and a withdrawal made at once are a conflict everywhere until a party resolves it")
  func acceptCrossesWithdraw() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n2"), try SimulatedNode("n3"), try SimulatedNode("n4"))
    let lead = try jjj.addLead(audience: .all)
    try exchange(jjj, yrd, prd)
    try jjj.handOff(try jjj.offer(lead, to: yrd.id), on: lead)
    try exchange(jjj, yrd, prd)
    // Neither has seen the other's act.
    let accept = try yrd.handOff(.accept, on: lead)
    let withdraw = try jjj.handOff(.withdraw(reason: "the seller moved"), on: lead)
    try exchange(jjj, yrd, prd)
    for node in [jjj, yrd, prd] {
      let view = try #require(try node.store.lead(lead.description))
      #expect(view.owner == "n2" && view.handOff?.state == .contested, "\(node.id): \(view)")
      let conflict = try #require(try node.store.conflicts().first { $0.kind == "hand-off" })
      #expect(conflict.acts.contains("\(accept.id.hex):0") && conflict.acts.contains("\(withdraw.id.hex):0"))
    }
    #expect(try jjj.store.projectionDigest() == prd.store.projectionDigest())
    // Until it is resolved, further steps have no effect; a bystander cannot resolve it.
    try yrd.handOff(.object(reason: "after all, no", snapshot: nil), on: lead)
    try prd.handOff(.resolve(keep: OperationRef(change: accept.id, index: 0)), on: lead)
    try exchange(jjj, yrd, prd)
    #expect(try codes(jjj) == ["op.in-conflict", "op.not-party"])
    // The bureau that withdrew lets the acceptance stand: yrd owns the case.
    try jjj.handOff(.resolve(keep: OperationRef(change: accept.id, index: 0)), on: lead)
    try exchange(jjj, yrd, prd)
    for node in [jjj, yrd, prd] {
      let view = try #require(try node.store.lead(lead.description))
      #expect(view.owner == "n3" && view.handOff?.state == .accepted && view.receivedByHandOff)
      #expect(try node.store.conflicts().isEmpty)
    }
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
  }

  @Test("a withdrawal made after seeing the acceptance is refused, not a conflict")
  func lateWithdrawIsRefused() throws {
    let (jjj, yrd) = (try SimulatedNode("n2"), try SimulatedNode("n3"))
    let lead = try jjj.addLead(audience: .nodes([yrd.id]))
    try exchange(jjj, yrd)
    try jjj.handOff(try jjj.offer(lead, to: yrd.id), on: lead)
    try exchange(jjj, yrd)
    try yrd.handOff(.accept, on: lead)
    try exchange(jjj, yrd)
    try jjj.handOff(.withdraw(reason: "too late"), on: lead)
    try exchange(jjj, yrd)
    #expect(try codes(yrd) == ["op.wrong-state"])
    #expect(try yrd.store.lead(lead.description)?.owner == "n3")
    #expect(try yrd.store.conflicts().isEmpty)
  }

  @Test("two superiors designating different bureaus at once is a conflict one of them resolves")
  func designationsCross() throws {
    let nodes = try (0..<4).map { try SimulatedNode("n\($0)") }
    let (superiorA, superiorB, owner, other) = (nodes[0], nodes[1], nodes[2], nodes[3])
    let manifest = try TestFederation.shared.manifest
    let lead = try owner.addLead(audience: .all)
    try exchange(nodes)
    try owner.handOff(try owner.offer(lead, to: other.id), on: lead)
    try exchange(nodes)
    try other.handOff(.object(reason: "not ours", snapshot: nil), on: lead)
    try exchange(nodes)
    let first = try superiorA.handOff(
      .designate(to: owner.id, reason: "registered there", manifest: manifest), on: lead)
    try superiorB.handOff(.designate(to: other.id, reason: "operates there", manifest: manifest), on: lead)
    try exchange(nodes)
    for node in nodes {
      #expect(try node.store.lead(lead.description)?.handOff?.state == .contested)
      #expect(try node.store.conflicts().map(\.kind) == ["hand-off"])
    }
    try superiorB.handOff(.resolve(keep: OperationRef(change: first.id, index: 0)), on: lead)
    try exchange(nodes)
    for node in nodes {
      let view = try #require(try node.store.lead(lead.description))
      #expect(view.owner == "n2" && view.handOff?.state == .designated && view.handOff?.designatedBy == "n0")
    }
    // The listing of every lead shows the hand-off, its designation and head as the lead's view.
    try owner.addLead(audience: .all)
    try exchange(nodes)
    for node in nodes {
      let listed = try node.store.leads()
      #expect(listed.count == 2 && listed.contains { $0.handOff?.designatedBy == "n0" })
      #expect(try listed.map { try node.store.lead($0.id) } == listed)
    }
  }

  @Test("after acceptance the sender shares history and evidence; only the new owner gains them")
  func shareWithNewOwner() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n2"), try SimulatedNode("n3"), try SimulatedNode("n4"))
    // The lead and its evidence were shared with prd only; the case goes to yrd.
    let lead = try jjj.addLead(summary: "one-day reports", audience: .nodes([prd.id]))
    let sha256 = try jjj.addEvidence(randomBytes(512, seed: 7), to: lead, audience: .nodes([prd.id]))
    let evidence = try #require(try jjj.store.evidence().first)
    try exchange(jjj, yrd, prd)
    try jjj.handOff(try jjj.offer(lead, to: yrd.id), on: lead)
    try exchange(jjj, yrd, prd)
    try yrd.handOff(.accept, on: lead)
    try exchange(jjj, yrd, prd)
    #expect(try yrd.store.evidence().isEmpty)
    #expect(try jjj.blobs.decideServing(sha256, to: yrd.id) != .serve(size: 512))

    // Before acceptance nobody may share the history; after it, only the sender.
    let history = try jjj.store.history(of: lead).map {
      SharedHistoryEntry(
        time: $0.time, node: $0.node, officer: $0.officer, what: $0.what, operation: $0.operation)
    }
    try prd.record(
      [DomainOperation(objectID: lead, action: .handOff(.shareHistory(history), basis: nil))],
      audience: .nodes([yrd.id]))
    try jjj.record(
      [
        DomainOperation(objectID: lead, action: .handOff(.shareHistory(history), basis: nil)),
        DomainOperation(
          objectID: try ObjectID(evidence.id),
          action: .shareEvidence(try #require(try jjj.store.evidenceShare(id: evidence.id)))),
        DomainOperation(
          objectID: try ObjectID(evidence.id),
          action: .recordCustody(CustodyRecord(event: .handedOver, holder: "n3"))),
      ], audience: .nodes([yrd.id]))
    try exchange(jjj, yrd, prd)
    #expect(try codes(yrd) == ["op.wrong-party"])

    // yrd reads the evidence and the history, and jjj serves yrd the file; prd's view is unchanged.
    let shared = try #require(try yrd.store.evidence(id: evidence.id))
    #expect(shared.sha256 == sha256.hex && shared.sharedWith == ["n3"] && shared.origin == "n2")
    #expect(shared.custody.map(\.event) == ["handed-over"])
    #expect(try jjj.store.evidence(id: evidence.id)?.sharedWith == ["n3"])
    #expect(try jjj.blobs.decideServing(sha256, to: yrd.id) == .serve(size: 512))
    let entries = try yrd.store.history(of: lead)
    #expect(entries.contains { $0.sharedBy == "n2" && $0.what.hasPrefix("created the lead") })
    #expect(try prd.store.evidence(id: evidence.id)?.sharedWith == [])
    // Sharing with everyone is refused: the evidence goes to named bureaus.
    try jjj.record(
      [
        DomainOperation(
          objectID: try ObjectID(evidence.id),
          action: .shareEvidence(try #require(try jjj.store.evidenceShare(id: evidence.id))))
      ], audience: .all)
    try exchange(jjj, yrd, prd)
    #expect(try codes(jjj).contains("op.invalid"))
    #expect(try prd.store.evidence(id: evidence.id)?.sharedWith == [])
  }
}
