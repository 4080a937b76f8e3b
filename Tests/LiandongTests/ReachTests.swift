import Foundation
import LiandongCore
import LiandongProtocol
import LiandongStore
import Testing

/// "Why isn't this at that node?": each change's state at another node, from this node's log, the
/// node's checkpoints and the last sync session with it.
@Suite("Where a change has reached, and why not")
struct ReachTests {
  let jjj = try! NodeID("jjj")
  let yrd = try! NodeID("yrd")
  let t1 = Date(timeIntervalSince1970: 1_800_000_000)
  let t2 = Date(timeIntervalSince1970: 1_800_000_600)

  func facts(
    sequence: UInt64 = 5, audience: Bool = true, proven: Date? = nil, session: SessionMark? = nil,
    refusal: ReachFacts.Refusal? = nil, held: Bool = true, configured: Bool = true
  ) -> ReachFacts {
    ReachFacts(
      origin: jjj, sequence: sequence, node: yrd, audienceIncludesNode: audience, provenSince: proven,
      lastSession: session, refusal: refusal, contentHeldHere: held, configuredPeer: configured)
  }

  @Test("the strongest evidence decides: a checkpoint, then the node's word, then what this node saw")
  func precedence() {
    let told = SessionMark(at: t2, told: 5, sent: 5, acknowledged: 5)
    #expect(
      ReachFacts(origin: jjj, sequence: 5, node: jjj, audienceIncludesNode: true).reach == .origin)
    #expect(facts(audience: false, proven: t1).reach == .outsideAudience(stubProvenSince: t1))
    #expect(facts(proven: t1, session: told).reach == .proven(since: t1))
    #expect(facts(session: told).reach == .heldByItsWord(at: t2))
    // Refused in the last session: the cursor of that session's acknowledgement passed it.
    let refusedThen = SessionMark(at: t1, told: 4, sent: 9, acknowledged: 9)
    #expect(
      facts(session: refusedThen, refusal: .init(code: "change.bad-signature", at: t1)).reach
        == .refused(code: "change.bad-signature", at: t1))
    // A later session acknowledged it: accepted then (its CRL caught up).
    let acceptedLater = SessionMark(at: t2, told: 4, sent: 9, acknowledged: 9)
    #expect(facts(session: acceptedLater, refusal: .init(code: "x", at: t1)).reach == .heldByItsWord(at: t2))
    // A later session that never got so far leaves the refusal standing.
    let cutShort = SessionMark(at: t2, told: 4, sent: 4, acknowledged: 4)
    #expect(facts(session: cutShort, refusal: .init(code: "x", at: t1)).reach == .refused(code: "x", at: t1))
    #expect(
      facts(session: SessionMark(at: t2, told: 4, sent: 7, acknowledged: 4)).reach
        == .sentNotAcknowledged(at: t2))
    #expect(facts(session: cutShort, held: false).reach == .contentNotHeldHere)
    #expect(facts(session: cutShort).reach == .notYetSent(lastSession: t2, configuredPeer: true))
    #expect(facts(configured: false).reach == .notYetSent(lastSession: nil, configuredPeer: false))
    #expect(!Reach.outsideAudience(stubProvenSince: t1).arrived && Reach.proven(since: t1).arrived)
  }

  @Test(
    "a receiver names the changes it refused in its acknowledgement; the sender's session keeps them, with what the peer told and was sent"
  )
  func sessionKeepsRefusals() throws {
    let a = try SimulatedNode("n0")
    let b = try NodeID("n1")
    _ = try a.addLead()
    let changes = try a.store.changes(after: [:], maximumBytes: 1 << 20)
    let refused = RefusedChange(change: changes[1].id, code: "change.certificate-revoked")
    let ack = SyncFrame.ack(
      BatchAcknowledgement(
        number: 1, stored: changes.count - 1, duplicates: 0,
        refusals: ["change.certificate-revoked: revoked"],
        refusedChanges: [refused]))
    var decoder = FrameDecoder()
    #expect(try decoder.feed(FrameCoding.encode(ack)) == [ack], "the refused change survives the wire")

    var session = SyncSession(local: a.id, peer: b, vector: try a.store.versionVector())
    _ = session.start()
    _ = session.receive(.hello(SyncHello(node: "n1", vector: [a.id: 0])))
    #expect(session.peerHeld == [a.id: 0])
    _ = session.loaded(changes)
    let last = try #require(changes.last?.header.sequence)
    #expect(session.sentThrough == [a.id: last] && session.acknowledgedThrough.isEmpty)
    _ = session.receive(ack)
    #expect(session.refusedByPeer == [refused] && session.acknowledgedThrough == [a.id: last])
  }

  @Test("a recorded session answers for a change: refused, then held once the node says it holds it")
  func recordedSessions() throws {
    let a = try SimulatedNode("n0")
    let yrd = try NodeID("n1")
    let lead = try a.addLead(audience: .nodes([yrd]))
    let change = try #require(try a.store.changes(touching: [lead]).last)
    let sequence = change.header.sequence
    func state() throws -> Reach? {
      try a.store.reachFacts(of: [change.id], at: yrd, configuredPeer: true)[change.id]?.reach
    }
    #expect(try state() == .notYetSent(lastSession: nil, configuredPeer: true))
    #expect(
      try a.store.reachFacts(of: [change.id], at: try NodeID("n2"), configuredPeer: false)[change.id]?.reach
        == .outsideAudience(stubProvenSince: nil))
    try a.store.recordSyncSession(
      SyncSessionRecord(
        node: yrd, at: t1, told: [a.id: sequence - 1], sent: [a.id: sequence], acknowledged: [a.id: sequence],
        refused: [change.id: "change.certificate-revoked"]))
    #expect(try state() == .refused(code: "change.certificate-revoked", at: t1))
    try a.store.recordSyncSession(
      SyncSessionRecord(
        node: yrd, at: t2, told: [a.id: sequence - 1], sent: [:], acknowledged: [:], refused: [:]))
    #expect(try state() == .refused(code: "change.certificate-revoked", at: t1), "nothing new was sent")
    try a.store.recordSyncSession(
      SyncSessionRecord(node: yrd, at: t2, told: [a.id: sequence], sent: [:], acknowledged: [:], refused: [:])
    )
    #expect(try state() == .heldByItsWord(at: t2))
    // The refusal is forgotten once the node holds the change.
    try a.store.recordSyncSession(
      SyncSessionRecord(
        node: yrd, at: t2, told: [a.id: sequence - 1], sent: [:], acknowledged: [:], refused: [:]))
    #expect(try state() == .notYetSent(lastSession: t2, configuredPeer: true))
  }

  @Test(
    "over real syncs: not yet sent, then held by the peer's word, then proven by its checkpoint; outside the audience for a third node; on the command line and in the console"
  )
  func overRealSyncs() async throws {
    let federation = try TestFederation(label: "reach", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await jjj.introduce(to: yrd, prd)
    try yrd.editConfiguration { $0["checkpointSeconds"] = 0 }
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let lead = try await jjj.addLead(summary: "只给京津冀以外的雄安", to: "yrd")

    func states(at node: String) async throws -> [String] {
      let result = try await jjj.cli("reach", lead, "--at", node, "--json")
      guard result.status == 0,
        let reaches = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
        let changes = reaches.first?["changes"] as? [[String: Any]]
      else { throw TestFailure("reach at \(node): \(result)") }
      return changes.compactMap { $0["state"] as? String }
    }
    #expect(try await states(at: "yrd") == ["not-yet-sent"])
    #expect(try await states(at: "prd") == ["outside-audience"])
    let unknown = try await jjj.cli("reach", lead, "--at", "xyz")
    #expect(unknown.status == 2 && unknown.stderr.contains("reach.unknown-node"), "\(unknown)")
    #expect(try await jjj.cli("reach", lead, "--at", "jjj").stderr.contains("is this node itself"))

    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(try await states(at: "yrd") == ["held-by-its-word"])
    // yrd signed its checkpoint as the session ended; the next session brings it here.
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(try await states(at: "yrd") == ["proven"])
    let text = try await jjj.cli("reach", lead).stdout
    #expect(
      text.contains("yrd: arrived") && text.contains("prd: not all arrived")
        && text.contains("outside the change's audience"), "\(text)")

    let token = try await jjj.token("li.wei", role: "officer")
    _ = try jjj.setPassword("li.wei", "办案人员 case officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let api = try curl("GET", base + "/v1/objects/\(lead)/reach?at=yrd&at=prd", token: token)
    #expect(
      api.status == 200 && api.jsonArray.map { $0["node"] as? String } == ["yrd", "prd"]
        && api.jsonArray.map { $0["arrived"] as? Bool } == [true, false], "\(api)")
    #expect(
      try curl("GET", base + "/v1/objects/\(lead)/reach?at=xyz", token: token).isProblem(
        400, "reach.unknown-node"))
    var officer = ConsoleVisit(base: base)
    _ = try officer.login("li.wei", "办案人员 case officer")
    let page = try officer.get("/console/leads/\(lead)")
    #expect(
      page.status == 200
        && page.body.contains(#"<tr data-node="yrd"><td>yrd</td><td class="arrived reach-summary">已全部到达"#)
        && page.body.contains("不在共享范围内") && page.body.contains(#"href="/console/reach/\#(lead)?node=prd""#),
      "\(page.body.suffix(3000))")
    let details = try officer.get("/console/reach/\(lead)?node=yrd")
    #expect(
      details.status == 200 && details.body.contains(#"data-state="proven""#)
        && details.body.contains("其自签检查点证实持有") && !details.body.contains(#"data-node="prd""#)
        && !details.body.contains("<code></code>"),
      "\(details.body.suffix(3000))")
    let bad = try officer.get("/console/reach/\(lead)?node=xyz")
    #expect(bad.isProblemPage(400, "reach.unknown-node"), "\(bad)")
  }
}
