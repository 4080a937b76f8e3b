import Dispatch
import Foundation
import LiandongCore
import LiandongTesting
import Synchronization
import Testing

@testable import LiandongStore

/// The change log's appends on a hub's PostgreSQL (a real server, started here): decided by the
/// SQLite store's own code, so the same changes fold to the same projections on either engine,
/// and written under a lock on each origin's head, so several processes ingest at once without a
/// gap, a change stored twice, or a missed fork.
@Suite("The change log on PostgreSQL (a real server)", .serialized)
struct PostgresChangeLogTests {
  /// Three nodes acting at random (leads, edits, requests, hand-offs, lead acts, evidence,
  /// shares, custody; right or refused), exchanging now and then; returned once all hold all.
  static func federation(seed: UInt64, acts: Int = 60) throws -> [SimulatedNode] {
    var random = SeededGenerator(seed: seed)
    let base = Date().unixMillis
    let nodes = try (0..<3).map { try SimulatedNode("n\($0)", clockMillis: base) }
    try SimulatedNode.acquaint(nodes)
    for (index, node) in nodes.enumerated() {
      node.objectIDSource = SeededGenerator(seed: seed &* 31 &+ UInt64(index))
    }
    for _ in 0..<acts {
      let node = nodes.randomElement(using: &random)!
      node.clockMillis += UInt64.random(in: 1...50, using: &random)
      try actRandomly(node, among: nodes, using: &random)
      if Int.random(in: 0..<6, using: &random) == 0 { try exchange(nodes) }
    }
    // Whatever the seed chose, a case with evidence and a request for assistance: the tables past
    // the leads have rows to compare.
    let lead = try nodes[0].addLead(summary: "a case every seed has")
    _ = try nodes[0].addEvidence(Data("screenshot of the shop".utf8), to: lead, audience: .all)
    _ = try nodes[0].sendRequest(to: nodes[1].id)
    try exchange(nodes)
    return nodes
  }

  /// A federation's log (`federation`), held by `model`, and stores on one new hub database,
  /// each with its own connections as each `liandong serve` process has. The caller stops the
  /// server.
  struct HubProcesses {
    let nodes: [SimulatedNode]
    let held: [SignedChange]
    let server: PostgreSQLServer
    let stores: [PostgresStore]
    var model: SimulatedNode { nodes[1] }

    init(seed: UInt64, acts: Int, stores count: Int) async throws {
      nodes = try PostgresChangeLogTests.federation(seed: seed, acts: acts)
      held = try nodes[1].store.changes(after: [:])
      server = try await PostgreSQLServer()
      do {
        try server.createDatabase("hub")
        let url = server.url(database: "hub")
        stores = try (0..<count).map { [nodes] _ in try PostgresStore(url: url, node: nodes[1].id) }
      } catch {
        server.stop()
        throw error
      }
    }
  }

  /// `changes` in batches of 1 to 40, in order, as a sync session commits them.
  static func batches(_ changes: [SignedChange], _ random: inout SeededGenerator) -> [[SignedChange]] {
    var batches: [[SignedChange]] = []
    var start = 0
    while start < changes.count {
      let end = min(changes.count, start + Int.random(in: 1...40, using: &random))
      batches.append(Array(changes[start..<end]))
      start = end
    }
    return batches
  }

  static let later = Date().unixMillis + 60_000

  @Test(
    "the same changes fold to the same projections as on SQLite, in any order; a rebuild replays them alike")
  func sameProjectionsAsSQLite() async throws {
    let seed = replayableSeed("PostgresChangeLogTests.sameProjectionsAsSQLite")
    var random = SeededGenerator(seed: seed ^ 0x5151)
    let nodes = try Self.federation(seed: seed)
    let model = nodes[0]
    let held = try model.store.changes(after: [:])
    let ids = held.map(\.id)
    let server = try await PostgreSQLServer()
    defer { server.stop() }

    // As a sync would bring them, batch after batch.
    try server.createDatabase("synced")
    let synced = try PostgresStore(url: server.url(database: "synced"), node: model.id)
    for batch in Self.batches(held, &random) {
      _ = try synced.ingest(batch, verifier: model.verifier, physicalMillis: Self.later)
    }
    #expect(try synced.versionVector() == model.store.versionVector(), "seed \(seed)")
    #expect(try synced.changeSetDigest() == model.store.changeSetDigest(), "seed \(seed)")
    #expect(try synced.projectionDigest() == model.store.projectionDigest(), "seed \(seed)")
    #expect(try synced.refusals(of: ids) == model.store.refusals(of: ids), "seed \(seed)")
    // The comparison covered the tables past the leads.
    for table in ["p_subjects", "p_evidence", "p_requests"] {
      #expect(try server.psql("SELECT count(*) > 0 FROM \(table)", database: "synced") == "t", "\(table)")
    }

    // Origin by origin, the last first, each change offered twice.
    try server.createDatabase("reordered")
    let reordered = try PostgresStore(url: server.url(database: "reordered"), node: model.id)
    for origin in Set(held.map(\.header.origin)).sorted(by: { $0.rawValue > $1.rawValue }) {
      let chain = held.filter { $0.header.origin == origin }
      _ = try reordered.ingest(chain, verifier: model.verifier, physicalMillis: Self.later)
      let again = try reordered.ingest(chain, verifier: model.verifier, physicalMillis: Self.later)
      #expect(again.allSatisfy { $0 == .duplicate }, "seed \(seed)")
    }
    #expect(try reordered.projectionDigest() == model.store.projectionDigest(), "seed \(seed)")

    let before = try synced.projectionDigest()
    try synced.rebuild()
    #expect(try synced.projectionDigest() == before, "seed \(seed)")
  }

  @Test(
    "three processes ingesting at once store each change once, with no gap, and fold what they share alike")
  func concurrentIngest() async throws {
    let seed = replayableSeed("PostgresChangeLogTests.concurrentIngest")
    var random = SeededGenerator(seed: seed ^ 0xC0C0)
    let hub = try await HubProcesses(seed: seed, acts: 80, stores: 3)
    defer { hub.server.stop() }
    let (nodes, model, held, server, stores) = (hub.nodes, hub.model, hub.held, hub.server, hub.stores)
    // The first store takes n0's chain and the second the others' (the same objects, folded at
    // once from origins locked apart); the third takes everything in the log's order, overlapping
    // both.
    let plans = [
      Self.batches(held.filter { $0.header.origin == nodes[0].id }, &random),
      Self.batches(held.filter { $0.header.origin != nodes[0].id }, &random),
      Self.batches(held, &random),
    ]
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 3) { side in
      for batch in plans[side] {
        do {
          let outcomes = try stores[side].ingest(batch, verifier: model.verifier, physicalMillis: Self.later)
          if let refused = outcomes.first(where: { !$0.isAccepted }) {
            failures.withLock { $0.append("process \(side): \(refused)") }
          }
        } catch {
          failures.withLock { $0.append("process \(side): \(error)") }
        }
      }
    }
    #expect(failures.withLock { $0 } == [], "seed \(seed)")
    #expect(try stores[0].versionVector() == model.store.versionVector(), "seed \(seed)")
    #expect(
      try server.psql("SELECT count(*) FROM changes", database: "hub") == "\(held.count)", "seed \(seed)")
    #expect(try stores[1].changeSetDigest() == model.store.changeSetDigest(), "seed \(seed)")
    #expect(try stores[2].projectionDigest() == model.store.projectionDigest(), "seed \(seed)")
    #expect(try stores[0].forkProofs().isEmpty && stores[0].quarantinedOrigins().isEmpty, "seed \(seed)")
  }

  @Test(
    "a fork offered to two processes at once is found once: one change stands, the proof is kept, the origin quarantined"
  )
  func concurrentFork() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    for round in 0..<4 {
      let origin = try SimulatedNode("n0")
      let (_, changes, twin) = try origin.forkAfterTwoLeads()
      try server.createDatabase("fork\(round)")
      let stores = try (0..<2).map { _ in
        try PostgresStore(url: server.url(database: "fork\(round)"), node: NodeID("n1"))
      }
      let offered = [changes, Array(changes[0..<2]) + [twin]]
      let outcomes = Mutex<[[IngestOutcome]]>([[], []])
      DispatchQueue.concurrentPerform(iterations: 2) { side in
        let result = try? stores[side].ingest(
          offered[side], verifier: origin.verifier, physicalMillis: Self.later)
        outcomes.withLock { $0[side] = result ?? [] }
      }
      let lasts = outcomes.withLock { $0 }.compactMap(\.last)
      let fork = IngestOutcome.forkDetected(.fork(origin: origin.id, sequence: 3))
      #expect(
        lasts.count == 2 && lasts.contains(.stored) && lasts.contains(fork), "round \(round): \(lasts)")
      #expect(try stores[0].versionVector() == [origin.id: 3])
      #expect(try [changes[2].id, twin.id].contains(stores[1].heads()[origin.id]!))
      #expect(try stores[1].forkProofs().count == 2, "the proof: both changes at sequence 3")
      #expect(try stores[0].quarantinedOrigins() == [origin.id.rawValue])
    }
  }

  @Test(
    "local appends are numbered after the chain tip; an act the rules refuse, not to be kept, leaves nothing")
  func localAppends() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let author = try SimulatedNode("n0")
    let store = try PostgresStore(url: server.url(database: "hub"), node: author.id)
    #expect(
      try store.ingest(
        try author.store.changes(after: [:]), verifier: author.verifier, physicalMillis: Self.later) == [
          .stored
        ])
    let lead = ObjectID()
    let bodies = NodeHome.prepare(
      [
        [DomainOperation(objectID: lead, action: .leadAct(.acknowledge))],
        [],
      ], officer: "zhang")
    let refused = #expect(throws: OperationsRefused.self) {
      try store.appendLocal(
        bodies.map { ($0, Audience.all) }, author: author.author!, verifier: author.verifier,
        physicalMillis: Date().unixMillis, keepingRefused: false)
    }
    #expect(refused?.refusals.count == 1)
    #expect(try store.versionVector() == [author.id: 1])
    let appended = try store.appendLocal(
      bodies.map { ($0, Audience.all) }, author: author.author!, verifier: author.verifier,
      physicalMillis: Date().unixMillis, keepingRefused: true)
    #expect(appended.map(\.header.sequence) == [2, 3])
    #expect(try store.heads()[author.id] == appended[1].id)
    #expect(try store.refusals(of: appended.map(\.id)).count == 1)
    // Its own changes, received back from a peer, are nothing new.
    #expect(
      try store.ingest(appended, verifier: author.verifier, physicalMillis: Self.later) == [
        .duplicate, .duplicate,
      ])
  }
}
