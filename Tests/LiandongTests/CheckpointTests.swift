import Foundation
import LiandongCore
import LiandongCrypto
import LiandongProtocol
import LiandongStore
import LiandongWire
import SwiftProtobuf
import Testing

/// Checkpoints: each node's signed statement of what it held, passed on by sync, proving to any
/// node that keeps it that the signer held a change no later than a time the change's origin did
/// not choose.
@Suite("Checkpoints witness who held what, and when")
struct CheckpointTests {
  /// The checkpoint `of` signed most recently, as `holder` keeps it.
  func latest(_ holder: SimulatedNode, of signer: SimulatedNode) throws -> Checkpoint? {
    try holder.store.latestCheckpoint(of: signer.id)?.checkpoint
  }

  @Test(
    "a node signs what it holds after a sync; the checkpoint reaches the origin and a third node, and proves the change held no later than its time"
  )
  func witnessed() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    let c = try SimulatedNode("n2")
    let lead = try a.addLead()
    let change = try #require(try a.store.changes(touching: [lead]).last)
    try SessionPump(a, b).run()
    // b signed at the end of the session, stating a's chain up to the lead.
    let signed = try #require(try latest(b, of: b))
    #expect(signed.held[a.id] == Checkpoint.Held(sequence: change.header.sequence, head: change.id))
    #expect(try a.store.witnesses(of: change.id).isEmpty, "a has not received b's checkpoint yet")

    // The next session carries it to a; a session of a with c carries it on.
    let second = try SessionPump(a, b)
    try second.run()
    #expect(try second.results[b.id]?.get().checkpointsSent ?? 0 >= 1)
    #expect(try a.store.witnesses(of: change.id) == [Witness(node: b.id, sinceMillis: signed.timeMillis)])
    try SessionPump(a, c).run()
    #expect(
      try c.store.witnesses(of: change.id).contains(Witness(node: b.id, sinceMillis: signed.timeMillis)))
    // The origin's own checkpoint is no witness of its own change.
    #expect(try !a.store.witnesses(of: change.id).contains { $0.node == a.id })
  }

  @Test("the checkpoints a peer lacks go oldest first across signers, at most the limit, after its marks")
  func dueOldestFirst() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try SessionPump(a, b).run()  // each signs one as the session ends
    try b.addLead()
    let later = try #require(try b.store.checkpointIfMoved(author: b.author!, now: b.tick(), interval: 0))
    let kept = try a.store.keep(
      try b.store.checkpoints(after: [:], limit: 10), trust: a.verifier.trust, now: Date())
    #expect(kept.kept == 2)
    let all = try a.store.checkpoints(after: [:], limit: 10)
    #expect(all.count == 3 && all.map(\.checkpoint.timeMillis) == all.map(\.checkpoint.timeMillis).sorted())
    #expect(try a.store.checkpoints(after: [:], limit: 2) == Array(all.prefix(2)))
    #expect(try a.store.checkpoints(after: try a.store.checkpointMarks(), limit: 10).isEmpty)
    let owed = try a.store.checkpoints(after: [b.id: later.checkpoint.timeMillis - 1], limit: 10)
    #expect(owed == all.filter { $0.checkpoint.node == a.id || $0 == later })
  }

  @Test("a node whose peers put its clock off signs no checkpoint: its time is what a checkpoint proves")
  func noCheckpointWithClockOff() throws {
    let federation = try TestFederation(label: "checkpoint-clock", nodes: ["jjj", "yrd"])
    let home = try federation.home(
      "jjj", at: temporaryDirectory("checkpoint-clock").appendingPathComponent("jjj"))
    let yrd = try NodeID("yrd")
    try home.store.addPeer(yrd, address: "127.0.0.1:7420")
    let now = Date()
    // yrd's Hello showed a clock two hours ahead of this one: this one is behind.
    try home.store.recordPeerClock(of: yrd, offsetMillis: 2 * 3_600_000, measuredAtMillis: now.unixMillis)
    #expect(try home.signCheckpointIfMoved(now: now) == nil)
    try home.store.recordPeerClock(of: yrd, offsetMillis: 40, measuredAtMillis: now.unixMillis)
    #expect(try home.signCheckpointIfMoved(now: now)?.checkpoint.timeMillis == now.unixMillis)
  }

  @Test("a quiet federation stays quiet: a sync that moves nothing signs and sends no checkpoint")
  func quiet() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead()
    for _ in 0..<3 { try SessionPump(a, b).run() }
    let before = (try a.store.checkpointMarks(), try b.store.checkpointMarks())
    let pump = try SessionPump(a, b)
    try pump.run()
    #expect(try a.store.checkpointMarks() == before.0 && b.store.checkpointMarks() == before.1)
    #expect(
      try pump.results[a.id]?.get().checkpointsSent == 0 && pump.results[b.id]?.get().checkpointsSent == 0)
    // A node that holds something new signs again (here at once: the interval is the caller's).
    try b.addLead()
    #expect(try b.store.checkpointIfMoved(author: b.author!, now: b.tick(), interval: 0) != nil)
    #expect(try b.store.checkpointIfMoved(author: b.author!, now: b.tick(), interval: 0) == nil)
    // Within the interval, a move waits for a later sync.
    try b.addLead()
    #expect(try b.store.checkpointIfMoved(author: b.author!, now: b.tick(), interval: 60) == nil)
  }

  @Test(
    "a checkpoint with a bad signature, of a node whose certificate is unknown, or signed by another node's key is not kept, and says why"
  )
  func refused() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    let stranger = try SimulatedNode("n2")
    try a.addLead()
    try SessionPump(a, b).run()
    let genuine = try #require(try b.store.latestCheckpoint(of: b.id))
    let trust = a.verifier.trust

    var signature = genuine.signature
    signature[signature.count / 2] ^= 0x01
    let forged = try SignedCheckpoint(bytes: genuine.bytes, signature: signature)
    var result = try a.store.keep([forged], trust: trust, now: Date())
    #expect(result.kept == 0 && result.problems.map(\.code) == ["checkpoint.bad-signature"])

    // n2 never synced with a: a holds no certificate of it.
    try stranger.addLead()
    let unknown = try #require(
      try stranger.store.checkpointIfMoved(author: stranger.author!, now: stranger.tick(), interval: 0))
    result = try a.store.keep([unknown], trust: trust, now: Date())
    #expect(result.kept == 0 && result.problems.map(\.code) == ["checkpoint.unknown-signer"])

    // n1's statement signed with n0's key, naming n0's certificate: not a certificate of n1.
    var impostor = genuine.checkpoint
    impostor.signerSHA256 = a.author!.certificateFingerprint
    let claimed = try SignedCheckpoint(signing: impostor, with: a.author!.key)
    result = try a.store.keep([claimed], trust: trust, now: Date())
    #expect(result.kept == 0 && result.problems.map(\.code) == ["checkpoint.unknown-signer"])

    // n1's own key, but a time before its certificate was issued: the CA did not vouch for it then.
    var backdated = genuine.checkpoint
    backdated.timeMillis = 1_000
    let early = try SignedCheckpoint(signing: backdated, with: b.author!.key)
    result = try a.store.keep([early], trust: trust, now: Date())
    #expect(result.kept == 0 && result.problems.map(\.code) == ["checkpoint.signer-not-trusted"])
    #expect(try a.store.latestCheckpoint(of: b.id) == nil)

    // The genuine one is kept, once.
    #expect(try a.store.keep([genuine, genuine], trust: trust, now: Date()).kept == 1)
  }

  @Test("bytes that are no checkpoint fail the frame that carries them, by name; so do too many in one frame")
  func malformed() throws {
    do {
      _ = try SignedCheckpoint(bytes: Data([0xff, 0xff, 0xff]), signature: Data())
      Issue.record("three bytes were taken for a checkpoint")
    } catch {
      #expect(error.code == "checkpoint.malformed" && error.description.contains("not a checkpoint"))
    }
    var entry = Liandong_V1_CheckpointEntry()
    entry.origin = "n0"
    entry.sequence = 3
    entry.head = Data(count: 5)
    var wire = Liandong_V1_Checkpoint()
    wire.format = 1
    wire.node = "n1"
    wire.held = [entry]
    let shortHead = try #require(try? wire.serializedBytes() as Data)
    #expect(throws: CheckpointProblem.self) { try SignedCheckpoint(bytes: shortHead, signature: Data()) }

    var frame = Liandong_V1_Frame()
    var message = Liandong_V1_Checkpoints()
    var carried = Liandong_V1_SignedCheckpoint()
    carried.checkpoint = shortHead
    message.checkpoints = [carried]
    frame.kind = .checkpoints(message)
    var decoder = FrameDecoder()
    let body: Data = try frame.serializedBytes()
    var framed = Data()
    withUnsafeBytes(of: UInt32(body.count).bigEndian) { framed.append(contentsOf: $0) }
    framed.append(body)
    do {
      _ = try decoder.feed(framed)
      Issue.record("a malformed checkpoint was decoded")
    } catch {
      #expect(error.code == "sync.malformed-frame" && "\(error)".contains("is not an origin"), "\(error)")
    }
  }

  @Test(
    "a peer that does not offer checkpoints (an older node) is sent none, and its session finishes as before")
  func olderPeer() throws {
    let a = try SimulatedNode("n0")
    try a.addLead()
    let b = try NodeID("n1")
    var session = SyncSession(local: a.id, peer: b, vector: try a.store.versionVector())
    _ = session.start()
    var queue = session.receive(.hello(SyncHello(node: "n1", vector: [:], capabilities: [])))
    #expect(!queue.contains { if case .loadCheckpoints = $0 { true } else { false } })
    var frames: [String] = []
    while !queue.isEmpty {
      switch queue.removeFirst() {
      case .load(let after, let maximumBytes):
        queue += session.loaded(try a.store.changes(after: after, maximumBytes: maximumBytes))
      case .send(.batch(let number, _)):
        frames.append("batch")
        queue += session.receive(
          .ack(BatchAcknowledgement(number: number, stored: 1, duplicates: 0, refusals: [])))
      case .send(.checkpoints): frames.append("checkpoints")
      case .send(.done): frames.append("done")
      default: break
      }
    }
    #expect(frames.last == "done" && !frames.contains("checkpoints"), "\(frames)")

    // One that offers them gets them just before Done, once they are loaded.
    var offered = SyncSession(local: a.id, peer: b, vector: [:])
    _ = offered.start()
    let actions = offered.receive(
      .hello(SyncHello(node: "n1", vector: [:], capabilities: [SyncSession.checkpointsCapability])))
    #expect(actions.first == .loadCheckpoints(after: [:], limit: SyncSession.maximumCheckpointsPerFrame))
    #expect(offered.loaded([]).isEmpty, "Done waits for the checkpoints")
    let ours = try #require(try a.store.checkpointIfMoved(author: a.author!, now: a.tick(), interval: 0))
    #expect(offered.loadedCheckpoints([ours]) == [.send(.checkpoints([ours])), .send(.done)])

    // However many are due, one frame carries at most 4 MiB of them.
    let large = try SignedCheckpoint(bytes: ours.bytes, signature: Data(count: 1 << 20))
    var bounded = SyncSession(local: a.id, peer: b, vector: [:])
    _ = bounded.start()
    _ = bounded.receive(
      .hello(SyncHello(node: "n1", vector: [:], capabilities: [SyncSession.checkpointsCapability])))
    _ = bounded.loaded([])
    let sent = bounded.loadedCheckpoints(Array(repeating: large, count: 6))
    #expect(sent.first.map { if case .send(.checkpoints(let list)) = $0 { list.count } else { 0 } } == 3)
  }
}

@Suite("Checkpoints between real nodes", .serialized)
struct CheckpointProcessTests {
  @Test(
    "after two syncs, history on the origin shows the lead's change held by the peer, since the peer's own signed checkpoint"
  )
  func historyShowsReceipt() async throws {
    let federation = try TestFederation(label: "checkpoints", nodes: ["jjj", "yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let jjj = try await NodeProcess("jjj", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", "s", "--to", "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let before = try await jjj.cli("history", lead)
    #expect(before.status == 0 && !before.stdout.contains("held by"), "\(before)")

    // yrd signs what it holds as the first sync ends; the second brings its checkpoint to jjj.
    let signedAfter = Date()
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let second = try await jjj.cli("sync", "yrd", "--json")
    #expect(second.status == 0, "\(second)")
    let history = try await jjj.cli("history", lead)
    #expect(history.stdout.contains("held by yrd since "), "\(history)")
    let entries = try await #require(
      try JSONSerialization.jsonObject(with: Data(try jjj.cli("history", lead, "--json").stdout.utf8))
        as? [[String: Any]])
    let heldBy = try #require(entries.first?["heldBy"] as? [[String: String]], "\(entries)")
    #expect(heldBy.map { $0["node"] } == ["yrd"])
    let since = try #require(heldBy.first?["since"].flatMap { ISO8601DateFormatter().date(from: $0) })
    #expect(abs(since.timeIntervalSince(signedAfter)) < 60, "\(since) vs \(signedAfter)")

    // A case system reads the same through the API.
    let token = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let reply = try curl("GET", base + "/v1/objects/\(lead)/history", token: token)
    let served = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [[String: Any]]
    #expect(reply.status == 200 && (served?.first?["heldBy"] as? [[String: String]]) == heldBy, "\(reply)")
    let unknown = try curl(
      "GET", base + "/v1/objects/\(UUID().uuidString.lowercased())/history", token: token)
    #expect(unknown.status == 404 && unknown.code == "object.not-found", "\(unknown)")
  }
}
