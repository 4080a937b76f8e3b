import Foundation
import LiandongCore
import LiandongCrypto
import LiandongProtocol
import LiandongStore
import LiandongWire
import Testing

@Suite("Evidence blobs and bodies for stubs, through the session")
struct BlobTransferTests {
  @Test("a blob travels in chunks to a node in the evidence's audience, and is served to no one else")
  func onlyToTheAudience() throws {
    let (a, b, c) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try a.addLead(audience: .nodes([b.id]))
    let content = randomBytes(700_000, seed: 1)
    let sha256 = try a.addEvidence(content, to: lead, audience: .nodes([b.id]))
    #expect(sha256 == SHA256.hash(content))

    let pump = try SessionPump(a, b)
    pump.chunkBytes = 64 << 10
    try pump.run()
    let summary = try #require(try pump.results[b.id]?.get())
    #expect(summary.blobsReceived == 1 && summary.blobBytesReceived == content.count, "\(summary)")
    #expect(try Data(contentsOf: #require(try b.blobs.file(sha256))) == content)
    #expect(try b.blobs.missing().isEmpty)

    // c hears of the evidence from b, as a stub: it has no record of it, so it asks for nothing,
    // and b would refuse it if it asked.
    let relay = try SessionPump(b, c)
    try relay.run()
    #expect(try relay.results[c.id]?.get().blobsReceived == 0)
    #expect(try c.blobs.missing().isEmpty && c.blobs.file(sha256) == nil)
    #expect(
      try b.blobs.decideServing(sha256, to: c.id)
        == .refuse(
          code: "blob.not-entitled",
          message: "n2 is not in the audience of any evidence with SHA-256 \(sha256.hex)"))
    #expect(try b.blobs.decideServing(sha256, to: a.id) == .serve(size: UInt64(content.count)))
    let past = UInt64(content.count) + 1
    #expect(
      try b.blobs.decideServing(sha256, to: a.id, from: past)
        == .refuse(
          code: "blob.bad-offset", message: "offset \(past) is past the blob's \(content.count) bytes"))
    #expect(
      try c.blobs.decideServing(sha256, to: a.id)
        == .refuse(
          code: "blob.not-entitled",
          message: "n0 is not in the audience of any evidence with SHA-256 \(sha256.hex)"))
  }

  @Test("a cut transfer resumes from the last durable offset, not from the start")
  func resumes() throws {
    let (a, b) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let lead = try a.addLead(audience: .all)
    let content = randomBytes(10 << 20, seed: 2)
    let sha256 = try a.addEvidence(content, to: lead, audience: .all)
    // First the changes alone: b learns of the blob, then its transfer is cut after 9 MiB, with
    // the last checkpoint at 8 MiB (what reached the disk for sure).
    _ = try b.receive(a.store.changes(after: [:]))
    let need = try #require(try b.blobs.missing().first)
    #expect(need == BlobNeed(sha256: sha256, size: UInt64(content.count), offset: 0))
    var receiver: BlobReceiver? = try b.blobs.receive(need)
    // A second session (or process) cannot receive the same blob at the same time.
    let busy = try #require(throws: BlobError.self) { try b.blobs.receive(need) }
    #expect(busy.code == "blob.busy")
    for start in stride(from: 0, to: 9 << 20, by: 1 << 20) {
      try receiver!.append(content.subdata(in: start..<start + (1 << 20)), at: UInt64(start))
    }
    // A piece that does not continue the file, or runs past the recorded size, writes nothing.
    let gap = try #require(throws: BlobError.self) { try receiver!.append(Data(count: 10), at: 10 << 20) }
    #expect(gap.code == "blob.out-of-order")
    let long = try #require(throws: BlobError.self) {
      try receiver!.append(Data(count: (1 << 20) + 1 + (1 << 20)), at: 9 << 20)
    }
    #expect(long.code == "blob.too-long" && receiver!.offset == 9 << 20)
    receiver = nil  // the process died here
    #expect(try b.blobs.missing().first?.offset == 8 << 20)

    let pump = try SessionPump(a, b)
    try pump.run()
    let summary = try #require(try pump.results[b.id]?.get())
    #expect(summary.blobsReceived == 1 && summary.blobBytesReceived == 2 << 20, "\(summary)")
    #expect(try Data(contentsOf: #require(try b.blobs.file(sha256))) == content)
  }

  @Test("a blob whose bytes do not match its address is discarded, and asked for again next time")
  func mismatchDiscarded() throws {
    let (a, b) = (try SimulatedNode("n0"), try SimulatedNode("n1"))
    let lead = try a.addLead(audience: .all)
    let content = randomBytes(300_000, seed: 3)
    let sha256 = try a.addEvidence(content, to: lead, audience: .all)
    // The sender's copy is damaged on disk.
    let file = try #require(try a.blobs.file(sha256))
    var damaged = content
    damaged[1000] ^= 0xff
    try damaged.write(to: file)

    let pump = try SessionPump(a, b)
    try pump.run()
    let summary = try #require(try pump.results[b.id]?.get())
    #expect(summary.blobsReceived == 0)
    #expect(summary.blobsRefused.first?.hasPrefix("blob.hash-mismatch") == true, "\(summary.blobsRefused)")
    #expect(try b.blobs.file(sha256) == nil)
    #expect(try b.blobs.missing().first?.offset == 0, "the damaged copy is not resumed")

    try content.write(to: file)
    let again = try SessionPump(a, b)
    try again.run()
    #expect(try again.results[b.id]?.get().blobsReceived == 1)
    #expect(try Data(contentsOf: #require(try b.blobs.file(sha256))) == content)
  }

  @Test("a node holding a stub it may read asks another peer for the body, and gets it")
  func bodiesForStubs() throws {
    let (a, b, c) = (try SimulatedNode("n0"), try SimulatedNode("n1"), try SimulatedNode("n2"))
    let lead = try a.addLead(summary: "for n2 only", audience: .nodes([c.id]))
    // c hears of it through b, which may not read it: a stub that c may read.
    try SessionPump(a, b).run()
    try SessionPump(b, c).run()
    #expect(try c.store.lead(lead.description) == nil)
    #expect(try c.store.wantedBodies().count == 1)
    #expect(try b.store.wantedBodies().isEmpty, "b may not read it, so it does not ask")

    // b has no body to give; a has.
    let fromB = try SessionPump(b, c)
    try fromB.run()
    #expect(try fromB.results[b.id]?.get().bodiesSent == 0)
    let fromA = try SessionPump(a, c)
    try fromA.run()
    #expect(try fromA.results[a.id]?.get().bodiesSent == 1)
    #expect(try c.store.lead(lead.description)?.summary == "for n2 only")
    #expect(try c.store.wantedBodies().isEmpty)

    // A node never sends a body to a node outside the audience, even when asked for it.
    var session = SyncSession(local: a.id, peer: b.id, vector: try a.store.versionVector())
    _ = session.start()
    let stubID = try #require(try a.store.change(origin: a.id, sequence: 2)?.id)  // the lead's change
    let actions = session.receive(
      .hello(SyncHello(node: "n1", vector: try b.store.versionVector(), wantedBodies: [stubID])))
    #expect(actions.contains(.loadBodies([stubID])))
    session.loadedBodies(try a.store.bodies(of: [stubID]))
    #expect(session.loaded([]).first == .send(.done), "n1 is not in the audience: nothing is sent")
  }

  @Test("blob frames out of turn end the session with a stable code")
  func blobFramesOutOfTurn() throws {
    let (a, b) = (try NodeID("n0"), try NodeID("n1"))
    let sha256 = SHA256.hash(Data("x".utf8))
    func exchanging() -> SyncSession {
      var session = SyncSession(local: a, peer: b, vector: [:])
      _ = session.start()
      _ = session.receive(.hello(SyncHello(node: "n1", vector: [:])))
      _ = session.loaded([])
      return session
    }
    func code(_ actions: [SyncSession.Action]) -> String? {
      if case .fail(let error) = actions.last { return error.code }
      return nil
    }
    var unrequested = exchanging()
    #expect(
      code(unrequested.receive(.blobChunk(sha256: sha256, offset: 0, data: Data(), last: true)))
        == "sync.unexpected-frame")

    var fetching = exchanging()
    _ = fetching.receive(.done)
    let need = BlobNeed(sha256: sha256, size: 10, offset: 4)
    #expect(fetching.missingBlobs([need]) == [.beginBlob(need)])
    #expect(
      fetching.blobOpened(sha256: sha256, offset: 4) == [.send(.blobRequest(sha256: sha256, offset: 4))])
    var wrongOffset = fetching
    #expect(
      code(wrongOffset.receive(.blobChunk(sha256: sha256, offset: 0, data: Data(count: 2), last: false)))
        == "sync.bad-blob")
    var tooLong = fetching
    #expect(
      code(tooLong.receive(.blobChunk(sha256: sha256, offset: 4, data: Data(count: 7), last: true)))
        == "sync.bad-blob")
    var fine = fetching
    #expect(
      fine.receive(.blobChunk(sha256: sha256, offset: 4, data: Data(count: 6), last: true)).first
        == .writeBlob(sha256: sha256, offset: 4, data: Data(count: 6), last: true))
    // A refusal moves on to the next blob, or FetchDone.
    var refused = fetching
    #expect(
      refused.receive(.blobRefused(sha256: sha256, code: "blob.not-entitled", message: "no")) == [
        .suspendBlob(sha256: sha256), .send(.fetchDone),
      ])

    var served = exchanging()
    #expect(
      served.receive(.blobRequest(sha256: sha256, offset: 0)) == [.serveBlob(sha256: sha256, offset: 0)])
    #expect(served.receive(.fetchDone).isEmpty)
    #expect(
      code(served.receive(.blobRequest(sha256: sha256, offset: 0))) == "sync.unexpected-frame",
      "no request after FetchDone")
  }

  @Test("importing a file hashes it while copying; a missing file is a clear error")
  func importing() throws {
    let node = try SimulatedNode("n0")
    let content = randomBytes(3 << 20, seed: 4)
    let file = temporaryDirectory("import").appendingPathComponent("big.bin")
    try content.write(to: file)
    let (sha256, size) = try node.blobs.importFile(file)
    #expect(sha256 == SHA256.hash(content) && size == UInt64(content.count))
    #expect(try node.blobs.importFile(file).sha256 == sha256, "importing twice is harmless")
    let error = try #require(throws: BlobError.self) {
      try node.blobs.importFile(file.deletingLastPathComponent().appendingPathComponent("absent.png"))
    }
    #expect(error.code == "blob.unreadable" && error.description.contains("absent.png"))

    // A blob folder that cannot be written (here a file stands where it should be).
    let blocked = temporaryDirectory("blocked").appendingPathComponent("blobs")
    try Data().write(to: blocked)
    let unwritable = try #require(throws: BlobError.self) {
      try BlobStore(directory: blocked, index: node.store).importFile(file)
    }
    #expect(unwritable.code == "blob.io" && unwritable.description.contains("blobs"), "\(unwritable)")
  }
}

@Suite("Blob and body frames on the wire")
struct BlobFrameTests {
  /// Encodes a raw `Frame` message, bypassing our encoder's own limits.
  func framed(_ build: (inout Liandong_V1_Frame) -> Void) throws -> Data {
    var frame = Liandong_V1_Frame()
    build(&frame)
    let body: Data = try frame.serializedBytes()
    var out = Data()
    withUnsafeBytes(of: UInt32(body.count).bigEndian) { out.append(contentsOf: $0) }
    return out + body
  }

  @Test(
    "malformed blob frames, oversized wanted lists and impossible acknowledgements are refused with a reason")
  func malformed() throws {
    let cases: [(Data, String)] = [
      (
        // Found by FuzzSession: the decoder once built an array of this many refusals.
        try framed {
          var ack = Liandong_V1_BatchAck()
          ack.number = 1
          ack.refused = UInt32.max
          $0.kind = .ack(ack)
        }, "a batch holds at most \(FrameCoding.maximumChangesPerFrame)"
      ),
      (
        try framed {
          var request = Liandong_V1_BlobRequest()
          request.sha256 = Data(count: 31)
          $0.kind = .blobRequest(request)
        }, "not a 32-byte SHA-256"
      ),
      (
        try framed {
          var chunk = Liandong_V1_BlobChunk()
          chunk.sha256 = Data(count: 32)
          chunk.data = Data(count: BlobTransfer.chunkBytes + 1)
          $0.kind = .blobChunk(chunk)
        }, "at most \(BlobTransfer.chunkBytes)"
      ),
      (
        try framed {
          var hello = Liandong_V1_Hello()
          hello.node = "n1"
          hello.wantedBodies = Array(repeating: Data(count: 32), count: SyncHello.maximumWantedBodies + 1)
          $0.kind = .hello(hello)
        }, "at most \(SyncHello.maximumWantedBodies)"
      ),
      (
        try framed {
          var hello = Liandong_V1_Hello()
          hello.node = "n1"
          hello.wantedBodies = [Data(count: 5)]
          $0.kind = .hello(hello)
        }, "not a 32-byte change ID"
      ),
    ]
    for (bytes, reason) in cases {
      var decoder = FrameDecoder()
      let error = try #require(throws: ProtocolError.self) { try decoder.feed(bytes) }
      #expect(error.code == "sync.malformed-frame" && error.description.contains(reason), "\(error)")
    }
    // And the good ones round-trip.
    let sha256 = SHA256.hash(Data("evidence".utf8))
    for frame in [
      SyncFrame.blobRequest(sha256: sha256, offset: 7),
      .blobChunk(sha256: sha256, offset: 7, data: Data("abc".utf8), last: true),
      .blobRefused(sha256: sha256, code: "blob.not-entitled", message: "no"), .fetchDone,
      .hello(SyncHello(node: "n1", vector: [:], wantedBodies: [ChangeID(bytes: sha256)!])),
    ] {
      var decoder = FrameDecoder()
      #expect(try decoder.feed(FrameCoding.encode(frame)) == [frame])
    }
  }
}
