import Foundation
import LiandongCore
import LiandongProtocol
import LiandongStore
import Testing

/// Runs two sessions against each other over in-memory stores, moving every frame through the
/// real encoder and decoder, until both are over: the simulation's `SimulatedLink` on a network
/// with no faults. No sockets, fully deterministic.
final class SessionPump {
  let a: SimulatedNode
  let b: SimulatedNode
  private let link: SimulatedLink
  private(set) var results: [NodeID: Result<SyncSummary, ProtocolError>] = [:]
  /// How much one blob chunk carries.
  var chunkBytes: Int {
    get { link.chunkBytes }
    set { link.chunkBytes = newValue }
  }

  init(_ a: SimulatedNode, _ b: SimulatedNode, batchBytes: Int = 1 << 20) throws {
    self.a = a
    self.b = b
    link = try SimulatedLink(a, b, batchBytes: batchBytes)
    link.chunkBytes = BlobTransfer.chunkBytes
  }

  func run() throws {
    var network = SimulatedNetwork.whole
    for tick in 0..<10_000 where !link.isOver {
      try link.step(tick: tick, budget: .max, network: &network)
    }
    guard link.isOver else {
      Issue.record("the sessions did not finish")
      return
    }
    for end in [0, 1] { results[link.nodes[end].id] = link.outcomes[end] }
  }
}

@Suite("The sync session as a state machine")
struct SyncSessionTests {
  @Test("two nodes exchange what each lacks, in small batches, both ways at once, and agree")
  func exchange() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    for index in 0..<30 {
      try a.addLead(summary: "a \(index)", audience: index % 3 == 0 ? .nodes([a.id]) : .all)
    }
    for index in 0..<12 { try b.addLead(summary: "b \(index)") }
    let pump = try SessionPump(a, b, batchBytes: 4_000)
    try pump.run()
    let summaryA = try #require(try pump.results[a.id]?.get())
    let summaryB = try #require(try pump.results[b.id]?.get())
    #expect(summaryA.batchesSent >= 3, "small batches: \(summaryA)")
    // The announcement and 20 public leads go whole; the 10 private leads go as stubs.
    #expect(summaryA.changesSent == 21 && summaryA.stubsSent == 10, "\(summaryA)")
    #expect(summaryB.changesReceived == 31 && summaryA.changesReceived == 13)
    #expect(try a.store.versionVector() == b.store.versionVector())
    #expect(try b.store.status().stubs == 10)
    // A second session moves nothing.
    let again = try SessionPump(a, b)
    try again.run()
    #expect(try again.results[a.id]?.get().changesSent == 0 && again.results[b.id]?.get().changesSent == 0)
  }

  @Test("the first message must be Hello; anything else fails the session with a Failure frame")
  func helloFirst() throws {
    let (a, b) = (try NodeID("n0"), try NodeID("n1"))
    for frame in [
      SyncFrame.done, .ack(BatchAcknowledgement(number: 1, stored: 0, duplicates: 0, refusals: [])),
      .batch(number: 1, changes: []), .fetchDone, .blobRequest(sha256: Data(count: 32), offset: 0),
      .blobChunk(sha256: Data(count: 32), offset: 0, data: Data(), last: true),
      .blobRefused(sha256: Data(count: 32), code: "blob.unavailable", message: ""),
    ] {
      var session = SyncSession(local: a, peer: b, vector: [:])
      _ = session.start()
      let actions = session.receive(frame)
      guard case .send(.failure(let code, _)) = actions.first, case .fail(let error) = actions.last else {
        Issue.record("expected a failure for \(frame), got \(actions)")
        continue
      }
      #expect(code == "sync.unexpected-frame" && error.code == code)
      #expect(session.isOver)
      #expect(session.receive(.done).isEmpty, "an ended session ignores further frames")
    }
  }

  @Test("another protocol version, or a Hello naming another node than the certificate, is refused")
  func helloChecks() throws {
    let (a, b) = (try NodeID("n0"), try NodeID("n1"))
    var session = SyncSession(local: a, peer: b, vector: [:])
    _ = session.start()
    #expect(
      session.receive(.hello(SyncHello(protocolVersion: 2, node: "n1", vector: [:]))).last
        == .fail(.unsupportedVersion(theirs: 2, ours: 1)))
    var impostor = SyncSession(local: a, peer: b, vector: [:])
    _ = impostor.start()
    #expect(
      impostor.receive(.hello(SyncHello(node: "n2", vector: [:]))).last
        == .fail(.wrongNode(claimed: "n2", authenticated: "n1")))
    // The codes a peer's log and `liandong sync` show for them.
    #expect(ProtocolError.unsupportedVersion(theirs: 2, ours: 1).code == "sync.unsupported-version")
    #expect(ProtocolError.wrongNode(claimed: "n2", authenticated: "n1").code == "sync.wrong-node")
  }

  @Test(
    "Hello tells the sender's clock on the wire; a probe's Hello ends the session finished, nothing loaded")
  func probe() throws {
    let (a, b) = (try NodeID("n0"), try NodeID("n1"))
    var session = SyncSession(local: a, peer: b, vector: [a: 3], clockMillis: 1_800_000_000_123)
    guard case .send(let frame) = session.start().first, case .hello(let hello) = frame else {
      Issue.record("the session did not begin with Hello")
      return
    }
    #expect(hello.clockMillis == 1_800_000_000_123)
    var decoder = FrameDecoder()
    #expect(try decoder.feed(FrameCoding.encode(frame)) == [frame], "the clock survives the wire")

    let probe = SyncHello(node: "n1", vector: [a: 3], capabilities: [SyncSession.probeCapability])
    let actions = session.receive(.hello(probe))
    guard case .finish(let summary) = actions.last, actions.count == 1 else {
      Issue.record("a probe was answered with \(actions)")
      return
    }
    #expect(summary.probe && summary.changesSent == 0)
    #expect(session.isOver)
    // Without the capability the same Hello starts an exchange.
    var ordinary = SyncSession(local: a, peer: b, vector: [a: 3])
    _ = ordinary.start()
    #expect(
      ordinary.receive(.hello(SyncHello(node: "n1", vector: [:]))).contains(
        .load(after: [:], maximumBytes: SyncSession.defaultBatchBytes)))
  }

  @Test("batches out of order, acks for unsent batches, a second Done and a batch after Done are refused")
  func orderChecks() throws {
    var skip = try Self.exchanging()
    #expect(
      skip.receive(.batch(number: 2, changes: [])).last == .fail(.batchOutOfOrder(expected: 1, received: 2)))
    var stray = try Self.exchanging()
    #expect(
      stray.receive(.ack(BatchAcknowledgement(number: 7, stored: 0, duplicates: 0, refusals: []))).last?
        .isFailure == true)
    var twice = try Self.exchanging()
    _ = twice.receive(.done)
    #expect(twice.receive(.done).last?.isFailure == true)
    var late = try Self.exchanging()
    _ = late.receive(.done)
    #expect(late.receive(.batch(number: 1, changes: [])).last?.isFailure == true)
    var replay = try Self.exchanging()
    _ = replay.receive(.batch(number: 1, changes: []))
    #expect(
      replay.receive(.batch(number: 1, changes: [])).last?.isFailure == true, "a replayed batch while storing"
    )
  }

  @Test("a batch is acknowledged only after it is stored, and the peer's Failure ends the session")
  func ackAfterStore() throws {
    let (a, b) = (try NodeID("n0"), try NodeID("n1"))
    var session = try Self.exchanging()
    let actions = session.receive(.batch(number: 1, changes: []))
    #expect(actions == [.store(batch: 1, changes: [])])
    #expect(
      session.stored(batch: 1, stored: 0, duplicates: 0, refusals: [])
        == [.send(.ack(BatchAcknowledgement(number: 1, stored: 0, duplicates: 0, refusals: [])))])
    #expect(
      session.receive(.failure(code: "x.y", message: "bye")) == [
        .fail(.peerFailed(code: "x.y", message: "bye"))
      ])
    #expect(ProtocolError.peerFailed(code: "x.y", message: "bye").code == "sync.peer-failed")
    var cut = SyncSession(local: a, peer: b, vector: [:])
    _ = cut.start()
    #expect(cut.connectionClosed() == [.fail(.closedBeforeHello(peer: "n1"))])
    var midway = try Self.exchanging()
    _ = midway.receive(.batch(number: 1, changes: []))
    let closed = midway.connectionClosed()
    guard case .fail(let error) = closed.first else {
      Issue.record("a connection closed mid-session must fail it: \(closed)")
      return
    }
    #expect(error.code == "sync.connection-closed" && "\(error)".contains("storing"), "\(error)")
  }

  /// A session of n0 with n1, past both Hellos, with nothing held on either side.
  static func exchanging() throws -> SyncSession {
    var session = SyncSession(local: try NodeID("n0"), peer: try NodeID("n1"), vector: [:])
    _ = session.start()
    _ = session.receive(.hello(SyncHello(node: "n1", vector: [:])))
    return session
  }

  /// Plays the sending side of a session against node `a`'s store, one change per batch, until it
  /// waits for acknowledgements; returns the batch numbers sent and whether Done went out.
  static func sendUntilWaiting(
    _ session: inout SyncSession, _ actions: [SyncSession.Action], from a: SimulatedNode
  )
    throws -> (batches: [UInt64], done: Bool)
  {
    var queue = actions
    var batches: [UInt64] = []
    var done = false
    while !queue.isEmpty {
      switch queue.removeFirst() {
      case .load(let after, let maximumBytes):
        queue += session.loaded(try a.store.changes(after: after, maximumBytes: maximumBytes))
      case .send(.batch(let number, _)): batches.append(number)
      case .send(.done): done = true
      default: break
      }
    }
    return (batches, done)
  }

  @Test(
    "a peer offering the batch window gets up to four batches ahead of its acks, and the acks move the durable cursor in order; a peer without it gets one"
  )
  func batchWindow() throws {
    let a = try SimulatedNode("n0")
    for index in 0..<6 { try a.addLead(summary: "lead \(index)") }
    let b = try NodeID("n1")
    func hello(_ capabilities: [String]) -> SyncFrame {
      .hello(SyncHello(node: "n1", vector: [:], capabilities: capabilities))
    }
    var session = SyncSession(local: a.id, peer: b, vector: try a.store.versionVector(), maximumBatchBytes: 1)
    #expect(
      session.start().first.map { if case .send(.hello(let h)) = $0 { h.capabilities } else { [] } } == [
        SyncSession.batchWindowCapability, SyncSession.checkpointsCapability,
      ])
    var sent = try Self.sendUntilWaiting(
      &session, session.receive(hello([SyncSession.batchWindowCapability])), from: a)
    #expect(sent.batches == [1, 2, 3, 4] && !sent.done)
    // The oldest batch must be acknowledged first.
    var early = session
    #expect(
      early.receive(.ack(BatchAcknowledgement(number: 2, stored: 1, duplicates: 0, refusals: []))).last?
        .isFailure == true)
    // Each ack frees a place; the cursor is that batch's, not the latest sent. The fifth batch
    // was loaded while the window was full, so the ack sends it before anything is read.
    let afterFirstAck = session.receive(
      .ack(BatchAcknowledgement(number: 1, stored: 1, duplicates: 0, refusals: [])))
    #expect(afterFirstAck.first.map { if case .send(.batch(5, _)) = $0 { true } else { false } } == true)
    sent = try Self.sendUntilWaiting(&session, afterFirstAck, from: a)
    #expect(sent.batches == [5] && session.acknowledgedThrough == [a.id: 1])
    var acknowledged: [UInt64] = []
    for number in UInt64(2)...7 {
      sent = try Self.sendUntilWaiting(
        &session,
        session.receive(.ack(BatchAcknowledgement(number: number, stored: 1, duplicates: 0, refusals: []))),
        from: a)
      acknowledged.append(number)
      // Done waits until every batch (one per change: the announcement and six leads) is acknowledged.
      #expect(sent.done == (number == 7), "after the ack of batch \(number)")
    }
    #expect(session.acknowledgedThrough == [a.id: 7])

    // Without the capability (an older node), one batch at a time.
    var single = SyncSession(local: a.id, peer: b, vector: try a.store.versionVector(), maximumBatchBytes: 1)
    _ = single.start()
    #expect(try Self.sendUntilWaiting(&single, single.receive(hello([])), from: a).batches == [1])
  }

  @Test("a receiver commits up to four batches in order and refuses a fifth before acknowledging one")
  func receiveWindow() throws {
    var session = try Self.exchanging()
    for number in UInt64(1)...4 {
      #expect(session.receive(.batch(number: number, changes: [])) == [.store(batch: number, changes: [])])
    }
    // Acknowledged in the order received: a later batch's result cannot overtake.
    #expect(session.stored(batch: 2, stored: 0, duplicates: 0, refusals: []).isEmpty)
    #expect(
      session.stored(batch: 1, stored: 0, duplicates: 0, refusals: [])
        == [.send(.ack(BatchAcknowledgement(number: 1, stored: 0, duplicates: 0, refusals: [])))])
    #expect(session.receive(.batch(number: 5, changes: [])) == [.store(batch: 5, changes: [])])
    #expect(
      session.receive(.batch(number: 6, changes: [])).last?.isFailure == true, "five batches unacknowledged")
  }

  @Test(
    "the frame decoder refuses an oversized length before buffering, handles split frames, refuses garbage")
  func frameDecoder() throws {
    var decoder = FrameDecoder(maximumFrameBytes: 1_000)
    #expect(throws: ProtocolError.oversizedFrame(length: 1_001, maximum: 1_000)) {
      try decoder.feed(Data([0, 0, 0x03, 0xe9]))
    }
    var maximal = FrameDecoder()
    #expect(throws: ProtocolError.oversizedFrame(length: 0xffff_ffff, maximum: FrameCoding.maximumFrameBytes))
    {
      try maximal.feed(Data([0xff, 0xff, 0xff, 0xff]))
    }
    var split = FrameDecoder()
    let bytes =
      FrameCoding.encode(.hello(SyncHello(node: "n1", vector: [try NodeID("n0"): 4])))
      + FrameCoding.encode(.done)
    var frames: [SyncFrame] = []
    for byte in bytes { frames += try split.feed(Data([byte])) }
    #expect(frames == [.hello(SyncHello(node: "n1", vector: [try NodeID("n0"): 4])), .done])
    #expect(split.pendingBytes == 0)
    var garbage = FrameDecoder()
    #expect(throws: ProtocolError.self) { try garbage.feed(Data([0, 0, 0, 3, 0xff, 0xff, 0xff])) }
  }

  @Test("a stream of frames cut at random places decodes to the same frames, whatever the cuts")
  func frameDecoderRandomCuts() throws {
    let seed = UInt64.random(in: 0...UInt64.max)
    print("frame decoder cuts: seed \(seed)")
    var random = SeededGenerator(seed: seed)
    var sent: [SyncFrame] = []
    for index in 0..<200 {
      let size = Int.random(in: 0...70_000, using: &random)
      sent.append(
        index % 3 == 0
          ? .ack(BatchAcknowledgement(number: UInt64(index), stored: index, duplicates: 0, refusals: []))
          : .blobChunk(
            sha256: Data(repeating: UInt8(index % 256), count: 32), offset: UInt64(index),
            data: Data(repeating: UInt8(truncatingIfNeeded: size), count: size), last: index == 199))
    }
    let stream = sent.reduce(Data()) { $0 + FrameCoding.encode($1) }
    var decoder = FrameDecoder()
    var received: [SyncFrame] = []
    var position = 0
    while position < stream.count {
      let cut = min(stream.count, position + Int.random(in: 1...150_000, using: &random))
      received += try decoder.feed(stream[position..<cut])
      position = cut
    }
    #expect(received == sent, "seed \(seed)")
    #expect(decoder.pendingBytes == 0)
  }
}

extension SyncSession.Action {
  var isFailure: Bool { if case .fail = self { true } else { false } }
}

@Suite("Forks across peers")
struct ForkAcrossPeersTests {
  @Test(
    "a peer presenting a change that conflicts with one held: both kept as proof, origin quarantined, status shows it"
  )
  func forkThroughSync() throws {
    let origin = try SimulatedNode("n0")
    try origin.addLead(summary: "the history n1 sees")
    let honest = try origin.store.changes(after: [:])
    let twin = try origin.forkedTwin(after: honest[0])  // another change 2, by the same key
    let n1 = try SimulatedNode("n1")
    let n2 = try SimulatedNode("n2")
    _ = try n1.receive(honest)
    _ = try n2.receive([honest[0], twin])

    let pump = try SessionPump(n1, n2)
    try pump.run()
    let summary = try #require(try pump.results[n2.id]?.get())
    #expect(summary.refusedReceived == 1, "n2 refuses n1's conflicting change 2: \(summary)")
    for node in [n1, n2] {
      let status = try node.store.status()
      #expect(status.quarantined == ["n0"], "\(node.id) should quarantine n0")
      let fork = try #require(status.forks.first)
      #expect(Set([fork.heldChange, fork.otherChange]) == Set([honest[1].id.hex, twin.id.hex]))
    }
  }

  /// Found by the deterministic simulation: the node that held the twin learned of the fork, but a
  /// peer further along the honest chain did not, and neither did anyone it synced with later.
  @Test("a fork found by one node reaches every node that syncs with it, sync by sync")
  func forkSpreads() throws {
    let origin = try SimulatedNode("n0")
    for index in 0..<3 { try origin.addLead(summary: "lead \(index)") }
    let honest = try origin.store.changes(after: [:])  // changes 1-4
    let twin = try origin.forkedTwin(after: honest[1])  // another change 3
    let (n1, n2, n3) = (try SimulatedNode("n1"), try SimulatedNode("n2"), try SimulatedNode("n3"))
    _ = try n1.receive([honest[0], honest[1], twin])
    for node in [n2, n3] { _ = try node.receive(honest) }

    // n2 is past the forked sequence: it proves the fork to n1, but sees nothing it holds disputed.
    try SessionPump(n1, n2).run()
    #expect(try n1.store.quarantinedOrigins() == ["n0"])
    #expect(try n2.store.quarantinedOrigins().isEmpty)
    // n1 now holds the proof and passes it on: n2 learns of the fork, then n3 from n2.
    try SessionPump(n1, n2).run()
    #expect(try n2.store.quarantinedOrigins() == ["n0"])
    try SessionPump(n2, n3).run()
    #expect(try n3.store.quarantinedOrigins() == ["n0"])
    #expect(
      Set(try n3.store.forks().map(\.otherChange) + n3.store.forks().map(\.heldChange)) == [
        honest[2].id.hex, twin.id.hex,
      ])
    // A node not yet at the forked sequence is not sent the proof (the twin could become its chain).
    let n4 = try SimulatedNode("n4")
    _ = try n4.receive([honest[0]])
    let pump = try SessionPump(n3, n4)
    try pump.run()
    #expect(try pump.results[n3.id]?.get().forkEvidenceSent == 0)
  }
}
