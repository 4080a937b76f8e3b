import Foundation
import LiandongCore
import Testing

@testable import LiandongStore

/// Invariant 1 of DESIGN.md as a property: nodes that hold the same changes have identical
/// projections, whatever order, duplication or partial delivery brought the changes to them.
@Suite("Convergence", .serialized)
struct ConvergenceTests {
  /// Seeds for every CI run. Replay one with LIANDONG_SEED=<n> swift test --filter Convergence.
  static var seeds: [UInt64] {
    if let text = ProcessInfo.processInfo.environment["LIANDONG_SEED"], let seed = UInt64(text) {
      return [seed]
    }
    let count = Int(ProcessInfo.processInfo.environment["LIANDONG_SEEDS"] ?? "") ?? 12
    return (0..<UInt64(count)).map { 0x5EED_0000 + $0 }
  }

  @Test("random operations, random delivery order with duplicates, 3-7 nodes", arguments: seeds)
  func converge(seed: UInt64) throws {
    try Self.converge(seed: seed, storage: { _ in nil })
  }

  /// The property for `seed`; `storage(i)` opens node i's store (nil: SQLite in memory), so that
  /// a hub's PostgreSQL can take part (`PostgresConvergenceTests`).
  static func converge(seed: UInt64, storage: (Int) -> ((NodeID) throws -> any NodeStorage)?) throws {
    var random = SeededGenerator(seed: seed)
    let count = Int.random(in: 3...7, using: &random)
    let base = Date().unixMillis
    let nodes = try (0..<count).map {
      try SimulatedNode(
        "n\($0)", clockMillis: base + UInt64.random(in: 0...3_000, using: &random), storage: storage($0))
    }
    try SimulatedNode.acquaint(nodes)
    for (index, node) in nodes.enumerated() {
      node.objectIDSource = SeededGenerator(seed: seed &* 31 &+ UInt64(index))
    }

    /// A relay: some node passes a few of the changes it holds (stubs where it has only stubs,
    /// and stubs to a destination outside the audience) to another, in random order, duplicates
    /// included.
    func deliverRandomly(_ rounds: Int) throws {
      for _ in 0..<rounds {
        let source = nodes.randomElement(using: &random)!
        let destination = nodes.randomElement(using: &random)!
        let held = try source.store.changes(after: [:])
        let batch = (0..<Int.random(in: 1...4, using: &random)).map { _ in held.randomElement(using: &random)!
        }
        try destination.receive(batch.map(destination.view))
      }
    }

    for _ in 0..<Int.random(in: 20...45, using: &random) {
      let index = Int.random(in: 0..<count, using: &random)
      let node = nodes[index]
      node.clockMillis += UInt64.random(in: 1...50, using: &random)
      if Int.random(in: 0..<13, using: &random) == 12 {
        try deliverRandomly(3)
      } else {
        try actRandomly(node, among: nodes, using: &random)
      }
      try deliverRandomly(1)
    }

    // Heal: everyone gets everything (stubs outside the audience), in random order, until no
    // node's store changes any more.
    let everything = try nodes.flatMap { node in
      try node.store.changes(after: [:]).filter { $0.header.origin == node.id }
    }
    var progress = true
    while progress {
      progress = false
      for node in nodes.shuffled(using: &random) {
        let outcomes = try node.receive(everything.shuffled(using: &random).map(node.view))
        progress = progress || outcomes.contains { $0 == .stored || $0 == .bodyFilled }
      }
    }

    let failure = "seed \(seed) (replay with LIANDONG_SEED=\(seed))"
    var byChangeSet: [String: String] = [:]
    for node in nodes {
      let status = try node.store.status()
      #expect(
        status.changes == everything.count,
        "\(failure): \(node.id) holds \(status.changes) of \(everything.count)")
      // Same change set => same projection digest, across nodes ...
      if let earlier = byChangeSet[status.changeSetDigest] {
        #expect(earlier == status.projectionDigest, "\(failure): equal change sets, different projections")
      }
      byChangeSet[status.changeSetDigest] = status.projectionDigest
      // ... and against a fresh replica fed the same changes in another random order.
      let replica = try SimulatedNode(
        replicaOf: node.id, verifier: node.verifier, clockMillis: node.clockMillis)
      var pending = try node.store.changes(after: [:]).shuffled(using: &random)
      while !pending.isEmpty {
        let outcomes = try replica.receive(pending)
        pending = zip(pending, outcomes).filter { !$1.isAccepted }.map(\.0).shuffled(using: &random)
        #expect(outcomes.contains { $0.isAccepted }, "\(failure): replica made no progress")
      }
      #expect(
        try replica.store.projectionDigest() == status.projectionDigest,
        "\(failure): replica of \(node.id) differs")
      // Rebuild from the log gives the same tables as incremental application, also when the
      // operation index is written a few rows at a time rather than once at the end.
      if let database = node.store as? NodeStore {
        try database.rebuild(operationRowsHeldBack: 7)
      } else {
        try node.store.rebuild()
      }
      #expect(
        try node.store.projectionDigest() == status.projectionDigest,
        "\(failure): rebuild of \(node.id) differs")
      // Every node sees exactly the leads whose audience includes it, or that were offered to it
      // by a hand-off (an explicit act of sharing).
      let visible = Set(try node.store.leads().map(\.id))
      var shown = Set<String>()
      var readable = Set<String>()
      var sharedEvidence = Set<String>()
      var addedEvidence = Set<String>()
      for change in everything where change.body != nil {
        let entitled = change.header.audience.includes(node.id, origin: change.header.origin)
        for operation in change.decodedBody()!.operations {
          switch operation.action {
          case .createLead where entitled:
            readable.insert(operation.objectID.description)
            shown.insert(operation.objectID.description)
          case .handOff(.offer, _) where entitled:
            shown.insert(operation.objectID.description)
          case .shareEvidence where entitled:
            sharedEvidence.insert(operation.objectID.description)
          case .addEvidence where entitled:
            addedEvidence.insert(operation.objectID.description)
          default: break
          }
        }
      }
      #expect(readable.isSubset(of: visible), "\(failure): a lead in the node's audience is missing")
      #expect(visible.isSubset(of: shown), "\(failure): a lead visible outside its audience")
      // Evidence is held only where its audience or a signed share put it.
      let heldEvidence = Set(try node.store.evidence().map(\.id))
      #expect(
        heldEvidence.isSubset(of: addedEvidence.union(sharedEvidence)),
        "\(failure): evidence visible outside its audience and its shares")
    }
    // Nodes that are all in every audience must agree exactly: check the pair that sees most.
    let allPublic = try nodes.map { try $0.store.status() }.filter { $0.stubs == 0 }
    if allPublic.count > 1 {
      #expect(Set(allPublic.map(\.projectionDigest)).count == 1, "\(failure): nodes with no stubs disagree")
    }
  }

  /// A transaction folds the objects the operation index held nothing for from its own
  /// operations alone, and asks the index which those are a few hundred objects to a query. Here
  /// one change touches 1,400 objects, and the old leads it updates lie among new ones in every
  /// query's share: each must be refolded from all of its operations, replacing its rows.
  @Test("one change touching many new objects and a few old ones folds each old one from all its operations")
  func oldObjectsAmongManyNew() throws {
    let node = try SimulatedNode("n0", clockMillis: Date().unixMillis)
    node.objectIDSource = SeededGenerator(seed: 0x0B1E_C75)
    func newLead(_ summary: String) -> [DomainOperation] {
      let subject = node.newObjectID()
      return [
        DomainOperation(objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "某店"))),
        DomainOperation(
          objectID: node.newObjectID(),
          action: .createLead(
            LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: summary))),
      ]
    }
    let first = try node.record((0..<350).flatMap { newLead("original \($0)") }, audience: .all)
    let old = first.decodedBody()!.operations.filter {
      if case .createLead = $0.action { true } else { false }
    }.map(\.objectID)
    var second: [DomainOperation] = []
    for (index, lead) in old.enumerated() {
      second += newLead("new \(index)")
      guard index % 7 == 0 else { continue }
      var patch = LeadPatch()
      patch.summary = "updated \(index)"
      second.append(DomainOperation(objectID: lead, action: .updateLead(patch)))
    }
    try node.record(second, audience: .all)

    let summaries = Dictionary(uniqueKeysWithValues: try node.store.leads().map { ($0.id, $0.summary) })
    #expect(summaries.count == 700)
    for (index, lead) in old.enumerated() {
      #expect(summaries[lead.description] == (index % 7 == 0 ? "updated \(index)" : "original \(index)"))
    }
    let digest = try node.store.projectionDigest()
    try node.store.rebuild()
    #expect(try node.store.projectionDigest() == digest, "incremental folds differ from a rebuild")
  }
}
