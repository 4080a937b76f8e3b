import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTesting
import Synchronization
import Testing

/// A store implementation under test: `stores` runs a test with a way to open empty stores of
/// its kind for a node, then removes what it made. The hub's PostgreSQL store runs on a real
/// server started for the test; with `LIANDONG_CONFORMANCE_SQLITE_ONLY` set (the test command's
/// first phase, which runs it again later alone: a server's start waits on a loaded machine),
/// only the SQLite stores are tested.
struct StoreBackend: Sendable, CustomTestStringConvertible {
  typealias Open = @Sendable (NodeID) throws -> any NodeStorage
  let name: String
  let stores: @Sendable (_ body: @Sendable (Open) async throws -> Void) async throws -> Void

  var testDescription: String { name }

  static let sqliteInMemory = StoreBackend(name: "SQLite in memory") { body in
    try await body { try NodeStore(path: nil, node: $0) }
  }
  static let sqliteFile = StoreBackend(name: "SQLite on disk") { body in
    try await body { node in
      try NodeStore(
        path: temporaryDirectory("conformance").appendingPathComponent("node.sqlite").path, node: node)
    }
  }
  static let postgresql = StoreBackend(name: "PostgreSQL") { body in
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    let made = Mutex(0)
    try await body { node in
      let name = "conformance\(made.withLock { $0 += 1; return $0 })"
      try server.createDatabase(name)
      return try PostgresStore(url: server.url(database: name), node: node)
    }
  }
  static let all =
    [sqliteInMemory, sqliteFile]
    + (ProcessInfo.processInfo.environment["LIANDONG_CONFORMANCE_SQLITE_ONLY"] == nil ? [postgresql] : [])
}

/// What every store must do, whatever it is built on: the change log's order and its refusals,
/// forks kept as proof, the same projection digest for the same changes in any order, read
/// models, peers and the blob index. Changes are made by simulated nodes and given to the store
/// under test as a peer's sync would give them.
@Suite("Store conformance: every backend behaves the same")
struct StoreConformanceTests {
  static func ingest(_ store: any NodeStorage, _ changes: [SignedChange], _ verifier: ChangeVerifier) throws
    -> [IngestOutcome]
  {
    try store.ingest(
      changes, verifier: verifier, physicalMillis: Date().unixMillis + 60_000, signaturesChecked: nil,
      bodies: nil)
  }

  @Test("local appends are numbered 1, 2, 3 and read back in order", arguments: StoreBackend.all)
  func localAppends(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let author = try SimulatedNode("n0")
      let store = try open(author.id)
      let announce = try author.store.changes(after: [:])
      #expect(try Self.ingest(store, announce, author.verifier) == [.stored])
      let bodies = NodeHome.prepare([[], []], officer: "zhang")
      let appended = try store.appendLocal(
        bodies.map { ($0, Audience.all) }, author: author.author!, verifier: author.verifier,
        physicalMillis: Date().unixMillis, keepingRefused: true)
      #expect(appended.map(\.header.sequence) == [2, 3])
      #expect(try store.versionVector() == [author.id: 3])
      #expect(try store.heads()[author.id] == appended[1].id)
      #expect(
        try store.changes(after: [author.id: 1], limit: .max, maximumBytes: .max).map(\.id)
          == appended.map(\.id))
      #expect(try store.change(origin: author.id, sequence: 2)?.id == appended[0].id)
      #expect(try store.log().count == 3)
    }
  }

  @Test(
    "a local act the rules refuse, when it must not be kept, leaves nothing behind",
    arguments: StoreBackend.all)
  func refusedActLeavesNothing(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let author = try SimulatedNode("n0")
      let store = try open(author.id)
      #expect(try Self.ingest(store, try author.store.changes(after: [:]), author.verifier) == [.stored])
      let acknowledgeNothing = NodeHome.prepare(
        [[DomainOperation(objectID: ObjectID(), action: .leadAct(.acknowledge))]], officer: "zhang")
      let refused = #expect(throws: OperationsRefused.self) {
        try store.appendLocal(
          acknowledgeNothing.map { ($0, Audience.all) }, author: author.author!, verifier: author.verifier,
          physicalMillis: Date().unixMillis, keepingRefused: false)
      }
      #expect(refused?.refusals.count == 1)
      #expect(try store.versionVector() == [author.id: 1])
      #expect(try store.refusals().isEmpty)
      let kept = try store.appendLocal(
        acknowledgeNothing.map { ($0, Audience.all) }, author: author.author!, verifier: author.verifier,
        physicalMillis: Date().unixMillis, keepingRefused: true)
      #expect(kept.map(\.header.sequence) == [2])
      #expect(try store.refusals(of: kept.map(\.id)).count == 1)
    }
  }

  @Test(
    "received changes: stored once, a gap refused until filled, a fork kept as proof",
    arguments: StoreBackend.all)
  func receivedChanges(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let origin = try SimulatedNode("n0")
      let (leads, changes, twin) = try origin.forkAfterTwoLeads()
      let store = try open(try NodeID("n1"))
      #expect(
        try Self.ingest(store, [changes[0], changes[2]], origin.verifier)[1]
          == .refused(.gap(origin: origin.id, expected: 2, received: 3)))
      #expect(try Self.ingest(store, changes, origin.verifier) == [.duplicate, .stored, .stored])
      #expect(try Self.ingest(store, changes, origin.verifier) == [.duplicate, .duplicate, .duplicate])
      #expect(try store.lead(leads[0].description)?.summary == "first")

      #expect(
        try Self.ingest(store, [twin], origin.verifier) == [
          .forkDetected(.fork(origin: origin.id, sequence: 3))
        ])
      let forks = try store.forks()
      #expect(
        forks.count == 1
          && Set([forks[0].heldChange, forks[0].otherChange]) == [changes[2].id.hex, twin.id.hex])
      #expect(try store.quarantinedOrigins() == [origin.id.rawValue])
      #expect(
        try store.audit(verifier: origin.verifier, physicalMillis: Date().unixMillis + 60_000).failures
          .isEmpty)
    }
  }

  @Test(
    "a fork the authority decides: the kept change stands, the other and what followed it are evidence, the quarantine ends, in either order of arrival",
    arguments: StoreBackend.all)
  func decidedFork(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let origin = try SimulatedNode("n0")
      let (leads, changes, twin) = try origin.forkAfterTwoLeads()
      let overtaken = leads[1]
      let store = try open(try NodeID("n1"))
      #expect(
        try Self.ingest(store, changes + [twin], origin.verifier).last
          == .forkDetected(.fork(origin: origin.id, sequence: 3)))

      let authority = try SimulatedNode("n2")
      let decision = try TestFederation.shared.signedManifest(
        #"{"federation": "test", "version": 9, "forks": [{"origin": "n0", "sequence": 3, "keep": "\#(twin.id.hex)"}]}"#
      )
      try authority.record(
        [DomainOperation(objectID: authority.newObjectID(), action: .publishManifest(decision))],
        audience: .all,
        officer: "authority")
      let published = try authority.store.changes(after: [:])
      #expect(try Self.ingest(store, published, origin.verifier) == [.stored, .stored])
      #expect(try store.change(origin: origin.id, sequence: 3)?.id == twin.id)
      #expect(try store.quarantinedOrigins().isEmpty)
      #expect(try store.forks().first?.kept == twin.id.hex)
      #expect(try store.lead(overtaken.description) == nil)
      #expect(try store.status().superseded.map(\.id) == [changes[2].id.hex])
      // The superseded change, offered again, is nothing new; the kept one's body fills its stub.
      #expect(try Self.ingest(store, [changes[2]], origin.verifier) == [.duplicate])
      #expect(try Self.ingest(store, [twin], origin.verifier) == [.bodyFilled])

      // A store that has the decision before either change never quarantines the origin.
      let informed = try open(try NodeID("n3"))
      _ = try Self.ingest(informed, published, origin.verifier)
      #expect(
        try Self.ingest(informed, changes + [twin], origin.verifier) == [
          .stored, .stored, .duplicate, .stored,
        ])
      #expect(try informed.quarantinedOrigins().isEmpty)
      #expect(try informed.changeSetDigest() == store.changeSetDigest())
      #expect(try informed.projectionDigest() == store.projectionDigest())

      // The origin's own node, told the authority kept a change it has never seen at its sequence
      // 3, gives up its own and refuses to sign there until that change arrives.
      _ = try origin.receive([twin])
      let unseen = String(repeating: "5a", count: 32)
      let elsewhere = try TestFederation.shared.signedManifest(
        #"{"federation": "test", "version": 10, "forks": [{"origin": "n0", "sequence": 3, "keep": "\#(unseen)"}]}"#
      )
      try authority.record(
        [DomainOperation(objectID: authority.newObjectID(), action: .publishManifest(elsewhere))],
        audience: .all,
        officer: "authority")
      _ = try origin.receive(try authority.store.changes(after: [:]))
      #expect(try origin.store.versionVector()[origin.id] == 2 && origin.store.quarantinedOrigins().isEmpty)
      let refused = #expect(throws: StoreError.self) { try origin.addLead(summary: "too soon") }
      #expect(refused?.code == "local.change.fork-decided", "\(String(describing: refused))")
    }
  }

  @Test("the same changes in any order give the same projections and digests", arguments: StoreBackend.all)
  func sameChangesSameDigest(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let jjj = try SimulatedNode("n0")
      let yrd = try SimulatedNode("n1")
      let lead = try jjj.addLead(summary: "from jjj")
      _ = try yrd.addLead(summary: "from yrd", audience: .nodes([jjj.id]))
      try jjj.record(
        [
          DomainOperation(
            objectID: lead,
            action: .updateLead(
              {
                var p = LeadPatch(); p.risk = .high; return p
              }()))
        ], audience: .all)
      let fromJJJ = try jjj.store.changes(after: [:])
      let fromYRD = try yrd.store.changes(after: [:])
      let reader = try NodeID("n2")
      let first = try open(reader)
      let second = try open(reader)
      _ = try Self.ingest(first, fromJJJ + fromYRD, jjj.verifier)
      _ = try Self.ingest(second, fromYRD, jjj.verifier)
      _ = try Self.ingest(second, fromJJJ, jjj.verifier)
      #expect(try first.projectionDigest() == second.projectionDigest())
      #expect(try first.changeSetDigest() == second.changeSetDigest())
      #expect(try first.lead(lead.description)?.risk == .high)
      // A rebuild replays the log into the same projections.
      let before = try first.projectionDigest()
      try first.rebuild()
      #expect(try first.projectionDigest() == before)
    }
  }

  @Test("a refused operation is kept, has no effect, and is named by its change", arguments: StoreBackend.all)
  func refusals(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let jjj = try SimulatedNode("n0")
      let yrd = try SimulatedNode("n1")
      let lead = try jjj.addLead(summary: "jjj's")
      _ = try yrd.receive(try jjj.store.changes(after: [:]))
      var patch = LeadPatch()
      patch.summary = "not yours"
      let edit = try yrd.record([DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .all)
      let store = try open(try NodeID("n2"))
      _ = try Self.ingest(
        store, try jjj.store.changes(after: [:]) + yrd.store.changes(after: [:]), jjj.verifier)
      let refused = try store.refusals(of: [edit.id])
      #expect(refused.map(\.code) == ["op.not-owner"])
      #expect(try store.refusals().count == 1)
      #expect(try store.lead(lead.description)?.summary == "jjj's")
      #expect(try store.history(of: lead).contains { $0.refused != nil })
    }
  }

  @Test("peers are added, listed with their last sync, and removed", arguments: StoreBackend.all)
  func peers(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let store = try open(try NodeID("jjj"))
      let yrd = try NodeID("yrd")
      try store.addPeer(yrd, address: "127.0.0.1:7421")
      try store.recordSyncAttempt(with: yrd, error: "connection refused")
      let listed = try store.peers()
      #expect(listed.map(\.node) == ["yrd"] && listed[0].lastError == "connection refused")
      try store.recordSyncAttempt(with: yrd, error: nil)
      #expect(try store.peers()[0].lastError == nil && store.peers()[0].lastSuccess != nil)
      #expect(try store.removePeer(yrd))
      #expect(try store.peers().isEmpty && !store.removePeer(yrd))
    }
  }

  @Test(
    "the blob index: a file is missing, resumes from its durable offset, then is complete",
    arguments: StoreBackend.all)
  func blobIndex(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let jjj = try SimulatedNode("n0")
      let lead = try jjj.addLead(audience: .nodes([try NodeID("n1")]))
      let sha256 = try jjj.addEvidence(
        Data(repeating: 7, count: 1000), to: lead, audience: .nodes([try NodeID("n1")]))
      let store = try open(try NodeID("n1"))
      _ = try Self.ingest(store, try jjj.store.changes(after: [:]), jjj.verifier)
      #expect(try store.missingFiles(limit: 10).map(\.sha256) == [sha256])
      #expect(try store.durableOffset(of: sha256) == nil)
      try store.beginTransfer(of: sha256, size: 1000)
      try store.recordDurableOffset(400, of: sha256)
      #expect(try store.missingFiles(limit: 10).first?.offset == 400)
      #expect(try store.mayServe(sha256, to: jjj.id) && !store.mayServe(sha256, to: try NodeID("n2")))
      try store.recordComplete(sha256, size: 1000)
      #expect(try store.completeSize(of: sha256) == 1000)
      #expect(try store.missingFiles(limit: 10).isEmpty && store.durableOffset(of: sha256) == nil)
      #expect(try store.heldFiles(after: nil, limit: 10) == [HeldFile(sha256: sha256, size: 1000)])
      #expect(try store.heldFiles(after: sha256, limit: 10).isEmpty)

      // Found damaged: no longer held, missing again (to be fetched), listed until a good copy is in.
      try store.recordDamaged(sha256, finding: "the file is missing from the disk")
      #expect(try store.completeSize(of: sha256) == nil && store.heldFiles(after: nil, limit: 10).isEmpty)
      #expect(try store.missingFiles(limit: 10).map(\.sha256) == [sha256])
      #expect(try store.damagedFiles().map(\.sha256) == [sha256.hex])
      #expect(try store.blobCounts().damaged == 1)
      try store.recordComplete(sha256, size: 1000)
      #expect(
        try store.damagedFiles().isEmpty
          && store.blobCounts() == BlobCounts(held: 1, heldBytes: 1000, partial: 0))
    }
  }

  @Test(
    "what a sync session showed of a peer is kept (told, sent, acknowledged, refused) until it says it holds the change; the log is followed by position",
    arguments: StoreBackend.all)
  func syncRecords(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let origin = try SimulatedNode("n0")
      _ = try origin.addLead(summary: "one")
      _ = try origin.addLead(summary: "two")
      let changes = try origin.store.changes(after: [:])
      let store = try open(try NodeID("n1"))
      #expect(try store.lastArrival() == 0 && store.arrivals(after: 0, limit: 10).isEmpty)
      _ = try Self.ingest(store, changes, origin.verifier)
      let arrived = try store.arrivals(after: 0, limit: 10)
      #expect(arrived.map(\.change.id) == changes.map(\.id))
      #expect(try store.lastArrival() == arrived.last?.position)
      #expect(try store.arrivals(after: arrived[0].position, limit: 1).map(\.change.id) == [changes[1].id])

      let peer = try NodeID("n2")
      let refused = changes[2].id
      let at = Date(timeIntervalSince1970: 1_800_000_000)
      try store.recordSyncSession(
        SyncSessionRecord(
          node: peer, at: at, told: [origin.id: 1], sent: [origin.id: 3], acknowledged: [origin.id: 2],
          refused: [refused: "change.bad-signature"]))
      #expect(try store.refusalsByPeers() == ["n2": ["change.bad-signature": 1]])
      let facts = try store.reachFacts(of: changes.map(\.id), at: peer, configuredPeer: true)
      #expect(facts.count == 3 && facts[refused]?.refusal?.code == "change.bad-signature")
      #expect(facts[refused]?.refusal?.at == at && facts[refused]?.contentHeldHere == true)
      #expect(facts[changes[0].id]?.lastSession == SessionMark(at: at, told: 1, sent: 3, acknowledged: 2))
      #expect(
        try store.reachFacts(of: changes.map(\.id), at: try NodeID("n3"), configuredPeer: false).values
          .allSatisfy { $0.lastSession == nil })
      // The peer says later that it holds every change: it no longer refuses the third.
      try store.recordSyncSession(
        SyncSessionRecord(
          node: peer, at: at.addingTimeInterval(60), told: [origin.id: 3], sent: [:], acknowledged: [:],
          refused: [:]))
      #expect(try store.refusalsByPeers().isEmpty)
      #expect(
        try store.reachFacts(of: [refused], at: peer, configuredPeer: true)[refused]?.lastSession?.told == 3)
    }
  }

  @Test(
    "checkpoints: a peer's that checks is kept once and proves it held a change (a receipt, with its proof), a forged one is refused; this node signs one only when what it holds moved",
    arguments: StoreBackend.all)
  func checkpoints(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let author = try SimulatedNode("n0")
      let witness = try SimulatedNode("n1")
      let lead = try author.addLead(summary: "held by n1")
      let changes = try author.store.changes(after: [:])
      _ = try witness.receive(changes)
      let store = try open(author.id)
      _ = try Self.ingest(store, try witness.store.changes(after: [:]), author.verifier)
      let now = Date()
      let signed = try #require(
        try witness.store.checkpointIfMoved(author: witness.author!, now: now, interval: 0))
      let forged = try SignedCheckpoint(
        signing: Checkpoint(
          suite: signed.checkpoint.suite, node: witness.id, timeMillis: signed.checkpoint.timeMillis + 1,
          held: signed.checkpoint.held, signerSHA256: author.author!.certificateFingerprint),
        with: author.author!.key)
      let kept = try store.keep([signed, forged], trust: author.verifier.trust, now: now)
      #expect(kept.kept == 1 && kept.problems.count == 1)
      #expect(try store.keep([signed], trust: author.verifier.trust, now: now).kept == 0)
      #expect(try store.checkpointMarks() == [witness.id: signed.checkpoint.timeMillis])
      #expect(try store.checkpoints(after: [:], limit: 10).map(\.bytes) == [signed.bytes])
      #expect(try store.checkpoints(after: [witness.id: signed.checkpoint.timeMillis], limit: 10).isEmpty)
      #expect(
        try store.witnesses(of: changes.last!.id)
          == [Witness(node: witness.id, sinceMillis: signed.checkpoint.timeMillis)])
      #expect(try store.checkpointCount() == 1 && store.ownChainBeyond() == nil)
      #expect(try store.receipt(of: lead, by: witness.id) == signed.checkpoint.time)
      #expect(try store.receipt(of: lead, by: try NodeID("n2")) == nil)
      let proofs = try store.receiptProofs(of: [changes[1]])
      #expect(proofs.map(\.witness) == [witness.id] && proofs.first?.checkpoint.bytes == signed.bytes)
      #expect(try store.latestChangeTime() >= changes.last!.header.time)
      #expect(try store.announcedCertificates(of: author.id, current: nil).count == 1)

      let own = try #require(try store.checkpointIfMoved(author: author.author!, now: now, interval: 0))
      #expect(own.checkpoint.held[author.id]?.head == changes.last!.id)
      #expect(try store.checkpointIfMoved(author: author.author!, now: now, interval: 0) == nil)
      #expect(try store.latestCheckpoint(of: author.id)?.bytes == own.bytes)
      #expect(try store.checkpointCount() == 2)
    }
  }

  @Test(
    "a revoked certificate: changes no other node witnessed before its revocation are withheld, shown first by a preview that changes nothing; bodies that match their hash are never set aside",
    arguments: StoreBackend.all)
  func revocationsAndDamage(_ backend: StoreBackend) async throws {
    let federation = try TestFederation(label: "conformance-crl")
    try federation.issue("n0")
    try federation.issue("n1")
    let before = try federation.trust(withCRL: false)
    let author = try SimulatedNode("n0", federation: federation, trust: before)
    let lead = try author.addLead(summary: "before revocation")
    let changes = try author.store.changes(after: [:])
    // Revocation times have a resolution of one second: the changes are stamped before it.
    try await Task.sleep(for: .milliseconds(1_100))
    try federation.revoke("n0")
    try federation.publishCRL()
    let revoked = try federation.trust()
    try await backend.stores { open in
      let store = try open(try NodeID("n1"))
      _ = try Self.ingest(store, changes, author.verifier)
      #expect(try store.lead(lead.description) != nil && !store.applyRevocations(before))

      let preview = try store.previewRevocations(revoked)
      #expect(preview.revoked.map(\.node) == ["n0"] && preview.withheld.count == changes.count)
      #expect(
        try store.withheldChanges().isEmpty && store.lead(lead.description) != nil,
        "the preview changed nothing")
      #expect(try store.applyRevocations(revoked) && !store.applyRevocations(revoked))
      #expect(try store.withheldChanges().map(\.id) == preview.withheld.map(\.id))
      #expect(try store.withheld(touching: lead)?.id == changes[1].id.hex)
      #expect(try store.lead(lead.description) == nil, "a withheld change is not folded")
      #expect(try store.releaseChangesDue(nowMillis: Date().unixMillis) == 0)
      #expect(
        try store.setAsideDamagedBodies(changes.map(\.id)).isEmpty && store.awaitedDamagedBodies().isEmpty)
    }
  }

  @Test(
    "the operator keeps one change of its node's own fork: the other is set aside, the quarantine ends, the chain is marked cut until peers are heard",
    arguments: StoreBackend.all)
  func ownFork(_ backend: StoreBackend) async throws {
    try await backend.stores { open in
      let origin = try SimulatedNode("n0")
      let (leads, changes, twin) = try origin.forkAfterTwoLeads(
        first: "before the backup", second: "signed after the backup")
      let setAside = leads[1]
      let store = try open(origin.id)
      #expect(
        try Self.ingest(store, changes + [twin], origin.verifier).last
          == .forkDetected(.fork(origin: origin.id, sequence: 3)))
      #expect(try store.quarantinedOrigins() == ["n0"] && !store.ownChainCut())
      let author = try #require(origin.author)
      #expect(throws: ForkChoiceError.notFound(change: "0123456789abcdef", node: "n0")) {
        try store.keepOwnFork("0123456789abcdef", author: author, now: origin.wallClock)
      }
      let choice = try store.keepOwnFork(
        String(twin.id.hex.prefix(12)), author: author, now: origin.wallClock)
      #expect(choice.sequence == 3 && choice.kept == twin.id.hex && !choice.alreadyDecided)
      #expect(try store.quarantinedOrigins().isEmpty && store.ownChainCut())
      #expect(try store.change(origin: origin.id, sequence: 3)?.id == twin.id)
      #expect(try store.lead(setAside.description) == nil)
      #expect(try store.keepOwnFork(twin.id.hex, author: author, now: origin.wallClock).alreadyDecided)
      try store.clearOwnChainCut()
      #expect(try !store.ownChainCut())
    }
  }
}
