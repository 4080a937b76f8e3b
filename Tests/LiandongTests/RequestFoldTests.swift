import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Assistance requests (协助调查): every allowed move, every refused one, and acts made at once.
@Suite("Assistance requests")
struct RequestFoldTests {
  func state(_ node: SimulatedNode, _ id: ObjectID) throws -> String? {
    try node.store.request(id.description)?.state.rawValue
  }

  func refusalCodes(_ node: SimulatedNode) throws -> [String] {
    try node.store.refusals().map(\.code)
  }

  @Test("sent, acknowledged, in progress, extended once, completed with findings, closed: on both sides")
  func lifecycle() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let id = try jjj.sendRequest(to: yrd.id)
    try exchange(jjj, yrd)
    #expect(try state(yrd, id) == "sent")
    try yrd.act(.acknowledge, on: id)
    try yrd.act(.accept, on: id)
    try yrd.act(.extend(workingDays: 5, reason: "the platform answers slowly", deadline: nil), on: id)
    try yrd.act(.complete(findings: "registered in Pudong; 312 orders", evidenceIDs: []), on: id)
    try exchange(jjj, yrd)
    try jjj.act(.close, on: id)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let request = try #require(try node.store.request(id.description))
      #expect(request.state == .closed && request.findings == "registered in Pudong; 312 orders")
      #expect(request.extensionWorkingDays == 5 && request.acknowledgedOn != nil)
    }
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
    #expect(try refusalCodes(jjj).isEmpty)
  }

  @Test("an extension signed after the deadline it states is refused by every node, whoever signed it")
  func extensionAfterDeadline() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let id = try jjj.sendRequest(to: yrd.id)
    try exchange(jjj, yrd)
    try yrd.act(.acknowledge, on: id)
    let today = CivilDate(chinaDayOf: yrd.clockMillis)
    // A node running other code signs an extension the day after the deadline it states.
    let late = try yrd.act(.extend(workingDays: 5, reason: "late", deadline: today.adding(days: -1)), on: id)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let refusal = try #require(try node.store.refusals(of: [late.id]).first)
      #expect(
        refusal.code == "op.deadline-passed" && refusal.reason.contains("after the deadline"), "\(refusal)")
      #expect(try node.store.request(id.description)?.extensionWorkingDays == nil)
    }
    // Notified on the deadline's day itself, it stands.
    try yrd.act(.extend(workingDays: 5, reason: "in time", deadline: today), on: id)
    try exchange(jjj, yrd)
    #expect(try jjj.store.request(id.description)?.extensionWorkingDays == 5)
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
  }

  @Test(
    "only the requested bureau acts on its side, only the requester on the other, and a third node on neither"
  )
  func wrongParty() throws {
    let (jjj, yrd, prd) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let id = try jjj.sendRequest(to: yrd.id)
    try jjj.act(.acknowledge, on: id)  // the requester cannot acknowledge its own request
    try jjj.act(.complete(findings: "done by myself", evidenceIDs: []), on: id)
    try exchange(jjj, yrd)
    try yrd.act(.cancel(reason: "not mine to cancel"), on: id)
    // prd learns of the request (a forwarded copy) and tries to act on it.
    try prd.receive(try jjj.store.changes(after: [:]))
    try prd.record(
      [DomainOperation(objectID: id, action: .actOnRequest(.decline(reason: "not involved"), basis: nil))],
      audience: .all)
    try exchange(jjj, yrd, prd)
    #expect(try state(jjj, id) == "sent" && state(yrd, id) == "sent")
    #expect(
      try refusalCodes(jjj).sorted() == [
        "op.not-party", "op.wrong-party", "op.wrong-party", "op.wrong-party",
      ])
    #expect(try refusalCodes(yrd) == refusalCodes(jjj))
  }

  @Test(
    "acts in the wrong state are refused: complete before acknowledgement, a second extension, close while open"
  )
  func wrongState() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let id = try jjj.sendRequest(to: yrd.id)
    try exchange(jjj, yrd)
    try yrd.act(.complete(findings: "too early", evidenceIDs: []), on: id)
    try yrd.act(.acknowledge, on: id)
    try yrd.act(.acknowledge, on: id)
    try yrd.act(.extend(workingDays: 5, reason: "first", deadline: nil), on: id)
    try yrd.act(.extend(workingDays: 5, reason: "second", deadline: nil), on: id)
    try yrd.act(.completePartly(findings: "", evidenceIDs: []), on: id)
    try exchange(jjj, yrd)
    try jjj.act(.close, on: id)
    try exchange(jjj, yrd)
    #expect(try state(jjj, id) == "acknowledged")
    #expect(
      try refusalCodes(jjj).sorted()
        == ["op.extended-already", "op.invalid", "op.wrong-state", "op.wrong-state", "op.wrong-state"])
    // Declining and cancelling need a reason; a declined request is closed by the requester.
    try yrd.act(.decline(reason: " "), on: id)
    try yrd.act(.decline(reason: "outside our jurisdiction"), on: id)
    try exchange(jjj, yrd)
    try jjj.act(.close, on: id)
    try exchange(jjj, yrd)
    #expect(try state(yrd, id) == "closed")
  }

  @Test(
    "cancelled while being completed: a visible conflict on both sides, not a silent winner, until resolved")
  func concurrentActsConflict() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let id = try jjj.sendRequest(to: yrd.id)
    try exchange(jjj, yrd)
    try yrd.act(.acknowledge, on: id)
    try exchange(jjj, yrd)
    // Neither sees the other's act before making its own.
    try jjj.act(.cancel(reason: "the seller has closed the shop"), on: id)
    try yrd.act(.complete(findings: "verified: registered in Pudong", evidenceIDs: []), on: id)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let request = try #require(try node.store.request(id.description))
      #expect(request.state == .conflict, "\(node.id): \(request.state)")
      #expect(
        request.conflict?.contains("cancel@") == true && request.conflict?.contains("complete@") == true)
    }
    #expect(try jjj.store.projectionDigest() == yrd.store.projectionDigest())
    // Nothing else moves it until a resolution.
    try jjj.act(.close, on: id)
    try exchange(jjj, yrd)
    #expect(try refusalCodes(jjj).contains("op.in-conflict"))
    // The requester resolves: the completion stands.
    let conflict = try #require(try jjj.store.request(id.description)?.conflict)
    let complete = try #require(
      conflict.split(separator: ";").first { $0.contains("complete@") }.map {
        String($0.split(separator: "@")[1].split(separator: " ")[0])
      })
    try jjj.act(.resolve(keep: try OperationRef(complete)), on: id)
    try exchange(jjj, yrd)
    for node in [jjj, yrd] {
      let request = try #require(try node.store.request(id.description))
      #expect(request.state == .completed && request.conflict == nil)
      #expect(request.findings == "verified: registered in Pudong")
    }
  }

  @Test("acts that are compatible are applied in order even when made at once")
  func concurrentCompatible() throws {
    let (jjj, yrd) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let id = try jjj.sendRequest(to: yrd.id)
    try exchange(jjj, yrd)
    // yrd acknowledges while jjj, not having seen it, cancels: a cancel after an acknowledgement
    // is allowed, so there is nothing to resolve.
    try yrd.act(.acknowledge, on: id)
    try jjj.act(.cancel(reason: "duplicate of another request"), on: id)
    try exchange(jjj, yrd)
    #expect(try state(jjj, id) == "cancelled" && state(yrd, id) == "cancelled")
  }

  @Test("a request must name another bureau, be shared with it, and say what to do")
  func invalidCreate() throws {
    let jjj = try SimulatedNode("n0")
    for (record, audience) in [
      (
        AssistanceRequestRecord(requested: jjj.id, caseReference: "c", legalBasis: "b", tasks: [.interview]),
        Audience.all
      ),
      (
        AssistanceRequestRecord(
          requested: try NodeID("n1"), caseReference: "c", legalBasis: "b", tasks: [.interview]),
        .nodes([try NodeID("n2")])
      ),
      (
        AssistanceRequestRecord(requested: try NodeID("n1"), caseReference: "c", legalBasis: "b", tasks: []),
        .all
      ),
    ] {
      try jjj.record(
        [DomainOperation(objectID: ObjectID(), action: .createRequest(record))], audience: audience)
    }
    #expect(try jjj.store.requests().isEmpty)
    #expect(try refusalCodes(jjj) == ["op.invalid", "op.invalid", "op.invalid"])
  }

  @Test("deadlines: 15 working days from acknowledgement, plus the extension; due soon and overdue")
  func deadlines() throws {
    let calendar = WorkdayCalendar.builtIn
    let day = { (text: String) in try CivilDate(text) }
    // Acknowledged on Friday 13 February 2026: due 12 March (see CalendarTests).
    let due = try #require(
      try Deadlines.assistance(
        state: .inProgress, sent: day("2026-02-12"), acknowledged: day("2026-02-13"),
        extensionWorkingDays: nil,
        calendar: calendar, today: day("2026-03-09")))
    let march12 = try day("2026-03-12")
    #expect(due.deadline == march12 && due.workingDaysLeft == 3 && due.urgency == .dueSoon)
    let extended = try #require(
      try Deadlines.assistance(
        state: .inProgress, sent: day("2026-02-12"), acknowledged: day("2026-02-13"), extensionWorkingDays: 5,
        calendar: calendar, today: day("2026-03-13")))
    let march19 = try day("2026-03-19")
    #expect(extended.deadline == march19 && extended.urgency == .ok)
    let late = try #require(
      try Deadlines.assistance(
        state: .sent, sent: day("2025-09-26"), acknowledged: nil, extensionWorkingDays: nil,
        calendar: calendar,
        today: day("2025-10-27")))
    let lastDay = try day("2025-10-23")
    #expect(late.runsFrom == "sent" && late.deadline == lastDay && late.urgency == .overdue)
    #expect(late.workingDaysLeft == -2)
    #expect(
      try Deadlines.assistance(
        state: .completed, sent: day("2025-09-26"), acknowledged: nil, extensionWorkingDays: nil,
        calendar: calendar, today: day("2025-10-27")) == nil)
    // From receipt (DOMAIN.md): the requested node's checkpoint or its acknowledgement, whichever
    // came first; waiting to acknowledge gains nothing, and a receipt proven later changes nothing.
    func start(received: String?, acknowledged: String?) throws -> (String, CivilDate)? {
      try Deadlines.assistance(
        state: .sent, sent: day("2026-02-11"), received: received.map(day),
        acknowledged: acknowledged.map(day), extensionWorkingDays: nil, calendar: calendar,
        today: day("2026-02-20")
      ).map { ($0.runsFrom, $0.start) }
    }
    #expect(try start(received: "2026-02-12", acknowledged: "2026-02-16")! == ("received", day("2026-02-12")))
    #expect(
      try start(received: "2026-02-16", acknowledged: "2026-02-13")! == ("acknowledged", day("2026-02-13")))
    #expect(try start(received: "2026-02-12", acknowledged: nil)! == ("received", day("2026-02-12")))
    #expect(try start(received: nil, acknowledged: nil)! == ("sent", day("2026-02-11")))
  }
}
