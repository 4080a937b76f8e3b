import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import Testing

@Suite("A deadline from receipt runs from the receiving node's own proof", .serialized)
struct ReceiptDeadlineTests {
  @Test(
    "a request's 15 working days run from the requested node's first checkpoint that holds it, before anyone acknowledges, on both sides"
  )
  func requestRunsFromProvenReceipt() async throws {
    let federation = try TestFederation(label: "receipt", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    for node in [jjj, yrd] { try node.countWithCalendarAhead() }
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let sent = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "京市监 2026-17", "--legal-basis", "Art. 45",
      "--task", "verify-registration", "--json")
    let request = try #require(
      (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["id"] as? String,
      "\(sent)")
    func runsFrom(_ node: NodeProcess) async throws -> String? {
      let items = try await JSONSerialization.jsonObject(
        with: Data(try node.cli("due", "--json").stdout.utf8))
      return (items as? [[String: Any]])?.first { $0["id"] as? String == request }?["runsFrom"] as? String
    }
    // Not yet proven: from sending.
    #expect(try await runsFrom(jjj)?.hasPrefix("sent ") == true)
    // yrd holds it and signs so as the session ends; the next session brings that to jjj.
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let proven = try await eventually(10) {
      _ = try await jjj.cli("sync", "yrd")
      return try await runsFrom(jjj)?.hasPrefix("received ") == true
    }
    #expect(proven, "jjj still counts from sending")
    // yrd counts from the same day, though nobody there has acknowledged it.
    #expect(try await runsFrom(yrd) == runsFrom(jjj))
    let table = try await yrd.cli("due").stdout
    #expect(table.contains("RUNS FROM") && table.contains("received "), "\(table)")
  }

  @Test(
    "holding only a stub is no receipt: a node outside the creating change's audience is never proven to have received it"
  )
  func stubIsNoReceipt() throws {
    let (origin, recipient, bystander) = (
      try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2")
    )
    let lead = try origin.addLead(audience: .nodes([recipient.id]))
    try exchange(origin, recipient, bystander)
    for node in [recipient, bystander] {
      let signed = try #require(
        try node.store.checkpointIfMoved(author: node.author!, now: node.wallClock, interval: 0))
      #expect(try origin.store.keep([signed], trust: origin.verifier.trust, now: origin.wallClock).kept == 1)
    }
    #expect(try origin.store.receipt(of: lead, by: recipient.id) != nil)
    #expect(try origin.store.receipt(of: lead, by: bystander.id) == nil, "n2 holds the stub only")
  }

  @Test(
    "a lead sent to a bureau falls due there before anyone acknowledges it, from its proven receipt once there is one; a lead shared with all asks no decision"
  )
  func unacknowledgedLead() throws {
    // Monday 13 January 2025, 10:00 in China: the simulation federation's certificates and CRL
    // are valid then, and its 15 working days cross the Spring Festival (counted by hand).
    let monday: UInt64 = 1_736_733_600_000
    let (origin, recipient) = (
      try SimulatedNode("n0", federation: .simulation, clockMillis: monday),
      try SimulatedNode("n1", federation: .simulation, clockMillis: monday)
    )
    let sent = try origin.addLead(audience: .nodes([recipient.id]))
    let shared = try origin.addLead(audience: .all)
    try exchange(origin, recipient)
    func item(_ node: SimulatedNode, _ lead: ObjectID) throws -> DueItem? {
      try node.app.dueItems(calendar: .builtIn, now: node.wallClock).first { $0.id == lead.description }
    }
    let waiting = try #require(try item(recipient, sent))
    #expect(waiting.side == "received" && waiting.state == "not-acknowledged", "\(waiting)")
    let february8 = try CivilDate("2025-02-08")
    #expect(waiting.runsFrom == "sent 2025-01-13" && waiting.deadline == february8, "\(waiting)")
    let asked = try item(origin, sent)
    #expect(asked?.side == "origin" && asked?.otherParty == "n1")
    #expect(try item(recipient, shared) == nil)
    #expect(try item(origin, shared) == nil)
    // n1's checkpoint, the next day, proves receipt: both sides count from it.
    recipient.clockMillis += 86_400_000
    let signed = try #require(
      try recipient.store.checkpointIfMoved(author: recipient.author!, now: recipient.wallClock, interval: 0))
    #expect(try origin.store.keep([signed], trust: origin.verifier.trust, now: recipient.wallClock).kept == 1)
    try recipient.store.keep([signed], trust: recipient.verifier.trust, now: recipient.wallClock)
    let february10 = try CivilDate("2025-02-10")
    #expect(try item(recipient, sent)?.runsFrom == "received 2025-01-14")
    #expect(try item(origin, sent)?.runsFrom == "received 2025-01-14")
    #expect(try item(origin, sent)?.deadline == february10)
  }
}
