import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Issue 25, item 4: a node that signed with its clock ahead recovers once the clock is set
/// right, by a clock correction every node applies alike (`ChainTime`).
@Suite("Clock corrections re-time a chain signed ahead")
struct ChainTimeTests {
  static let hours2: UInt64 = 2 * 3_600_000

  @Test("a change's time in effect is the earliest stamp from it to the end of its chain")
  func timesInEffect() {
    let stamps = [1, 2, 10, 11, 5, 6, 4, 9].map { HLCTimestamp(wallMillis: $0) }
    #expect(ChainTime.inEffect(stamps: stamps).map(\.wallMillis) == [1, 2, 4, 4, 4, 4, 4, 9])
    #expect(ChainTime.inEffect(stamps: Array(stamps.prefix(4))) == Array(stamps.prefix(4)), "no step back")
  }

  /// Six updates of one lead, signed two hours ahead: the last one must win wherever they are
  /// folded, although the correction gives them all one time (the chain's order decides then).
  private func writeAhead(_ a: SimulatedNode) throws -> ObjectID {
    a.clockMillis += Self.hours2
    let lead = try a.addLead(summary: "written ahead")
    for number in 1...6 {
      var patch = LeadPatch()
      patch.summary = "update \(number)"
      try a.record([DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .all)
    }
    return lead
  }

  @Test("held while ahead; after the correction it counts, in chain order, and every node folds it alike")
  func correctionConverges() throws {
    let a = try SimulatedNode("n0")
    // Replicas hold a's changes only, so their projections can be compared with a's.
    func replica(_ name: String, clockMillis: UInt64) throws -> SimulatedNode {
      try SimulatedNode(replicaOf: try NodeID(name), verifier: a.verifier, clockMillis: clockMillis)
    }
    let b = try replica("n1", clockMillis: a.clockMillis)
    let lead = try writeAhead(a)
    #expect(try b.receive(a.store.changes(after: [:])).allSatisfy { $0 == .stored })
    #expect(try b.store.lead(lead.description) == nil, "ahead by two hours: no effect on b")
    #expect(try b.store.withheldChanges().count == 7)

    // The clock is set right, and a's peers agree with it: the correction.
    a.clockMillis -= Self.hours2
    let correction = try #require(
      try a.store.correctClockIfAhead(author: a.author!, verifier: a.verifier, physicalMillis: a.clockMillis))
    #expect(correction.retimed == 7 && correction.aheadMillis > Self.hours2 - 60_000, "\(correction)")
    #expect(
      try a.store.correctClockIfAhead(author: a.author!, verifier: a.verifier, physicalMillis: a.clockMillis)
        == nil, "nothing left ahead")
    #expect(try a.store.lead(lead.description)?.summary == "update 6")

    // b takes the correction: the held changes count now, with the correction's time.
    #expect(try b.receive(a.store.changes(after: [:])).last == .stored)
    #expect(try b.store.withheldChanges().isEmpty)
    let seen = try #require(try b.store.lead(lead.description))
    #expect(seen.summary == "update 6", "the chain's order stands between re-timed changes")
    let created = try #require(try b.store.history(of: lead).first)
    #expect(created.stamped != nil && created.stamped! > created.time, "\(created)")

    // c gets everything at once; d counted the changes by their stamps (its clock had passed
    // them) before the correction came. All fold alike.
    let c = try replica("n2", clockMillis: a.clockMillis)
    try c.receive(a.store.changes(after: [:]))
    let d = try replica("n3", clockMillis: a.clockMillis + 3 * 3_600_000)
    let all = try a.store.changes(after: [:])
    try d.receive(Array(all.dropLast()))
    #expect(try d.store.lead(lead.description)?.summary == "update 6")
    try d.receive([all.last!])
    let digest = try a.store.projectionDigest()
    for node in [b, c, d] {
      #expect(try node.store.projectionDigest() == digest, "\(node.id) folds as a does")
      #expect(try node.store.history(of: lead).map(\.time) == (try a.store.history(of: lead)).map(\.time))
    }
    // A rebuild derives the same times in effect from the chains' stamps.
    try d.store.rebuild()
    #expect(try d.store.projectionDigest() == digest)

    // a signs on from its own clock, and b takes it at once.
    let next = try a.addLead(summary: "after the fix")
    let last = try #require(try a.store.changes(after: [:]).last)
    #expect(last.header.time.wallMillis < a.clockMillis + 60_000)
    try b.receive([last])
    #expect(try b.store.lead(next.description) != nil)
  }

  @Test("a correction re-times every change signed ahead, however long the run, and none before it")
  func longRunRetimed() throws {
    let a = try SimulatedNode("n0")
    _ = try a.addLead(summary: "before the clock ran ahead")
    a.clockMillis += Self.hours2
    // More than the page of changes the correction reads its chain back by.
    let ahead = 300
    _ = try a.recordEach(
      prepared: NodeHome.prepare(Array(repeating: [], count: ahead), officer: "zhang"), audience: .all,
      now: Date(timeIntervalSince1970: Double(a.clockMillis) / 1000), keepingRefused: true)
    a.clockMillis -= Self.hours2
    let correction = try #require(
      try a.store.correctClockIfAhead(author: a.author!, verifier: a.verifier, physicalMillis: a.clockMillis))
    #expect(correction.retimed == ahead, "\(correction)")
  }

  @Test("only a correction, for all, may step back; others are refused with the rule they broke")
  func onlyCorrectionsStepBack() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1", clockMillis: a.clockMillis)
    _ = try writeAhead(a)
    try b.receive(a.store.changes(after: [:]))
    let tip = try #require(try a.store.changes(after: [:]).last)
    let after = ChangeAuthor.ChainTip(sequence: tip.header.sequence, id: tip.id)
    let back = HLCTimestamp(wallMillis: a.clockMillis - Self.hours2)
    let correct = DomainOperation(objectID: ObjectID(), action: .correctClock)
    func signed(_ operations: [DomainOperation], audience: Audience) throws -> SignedChange {
      try a.author!.sign(
        body: ChangeBody(officer: "x", operations: operations), audience: audience, after: after, time: back)
    }
    var patch = LeadPatch()
    patch.summary = "backdated"
    let plain = try signed(
      [DomainOperation(objectID: ObjectID(), action: .updateLead(patch))], audience: .all)
    #expect(refusal(try b.receive([plain]))?.code == "change.time-not-increasing")
    let hidden = try signed([correct], audience: .nodes([b.id]))
    #expect(refusal(try b.receive([hidden]))?.code == "change.clock-correction-not-public")
    #expect(try b.receive([try signed([correct], audience: .all)]) == [.stored])
  }
}
