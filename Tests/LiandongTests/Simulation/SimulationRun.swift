import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// One seeded run of the deterministic simulation: 3-5 nodes in one process, sync sessions over
/// `SimulatedLink`s, a fake clock. First a chaotic phase (writes, sessions, lost, duplicated and
/// overtaken frames, partitions one-way and both ways, crashes and restarts, clock jumps of up to
/// a day either way and clocks that ran ahead set right, sometimes a fork, a theft, a rotation
/// then revocation, or a restore from a backup); then the network heals and every pair syncs until nothing moves; then the
/// invariants of DESIGN.md are checked. A crash loses the node's sessions, its
/// frames in flight and its open blob transfer; its store keeps exactly what it committed.
final class SimulationRun {
  let seed: UInt64
  private var network: SimulatedNetwork
  private let nodes: [SimulatedNode]
  private var up: [Bool]
  private var skew: [Int64]
  private var links: [SimulatedLink] = []
  private var now: UInt64
  private var tick = 0
  /// Receiver → origin → the sequence a peer was told it had committed.
  private var acknowledged: [NodeID: [NodeID: UInt64]] = [:]
  private var forkedOrigin: NodeID? = nil
  private var theft: SimulationTheft?
  private var rotation: SimulationRotation?
  /// A restore run: when one node's backup is taken, and when it is restored in its place.
  private var restore: (node: Int, backupAt: Int, restoreAt: Int)? = nil
  private var backup: NodeStore? = nil
  private(set) var violations: [String] = []
  var figures: SimulationFigures { network.figures }

  static let day: Int64 = 86_400_000

  /// With `hub`, node n0 keeps its store there (a database on a real PostgreSQL) and the others
  /// on SQLite: the same run, with a hub among the nodes.
  init(seed: UInt64, hub: ((NodeID) throws -> any NodeStorage)? = nil) throws {
    self.seed = seed
    network = SimulatedNetwork(seed: seed)
    let count = Int.random(in: 3...5, using: &network.random)
    // A fixed fake clock (the wall clock is never read) and seeded object IDs: a run depends on
    // its seed alone, so a failure replays exactly on any day.
    now = TestFederation.simulationEpochMillis
    let start = now
    nodes = try (0..<count).map {
      try SimulatedNode(
        "n\($0)", federation: .simulation, clockMillis: start,
        objectIDSeed: seed &* 0x9E37_79B9 &+ UInt64($0),
        storage: $0 == 0 ? hub : nil)
    }
    try SimulatedNode.acquaint(nodes)
    up = Array(repeating: true, count: count)
    skew = Array(repeating: 0, count: count)
    theft = SimulationTheft(seed: seed)
    rotation = theft == nil ? SimulationRotation(seed: seed) : nil
  }

  /// When the CA revokes n2's (first) certificate in a theft or rotation run.
  private var revokedAt: UInt64? {
    theft != nil ? SimulationTheft.revokedAt : rotation != nil ? SimulationRotation.revokedAt : nil
  }

  func run() throws {
    let ticks = Int.random(in: 30...80, using: &network.random)
    // A theft or rotation run forks nothing: its invariant is about the revocation rule alone.
    let forkAt =
      network.chance(0.1) && revokedAt == nil ? Int.random(in: 10..<ticks, using: &network.random) : nil
    // A restore run forks nothing either: a restored node that waits for its peers must not fork.
    if revokedAt == nil, forkAt == nil, network.chance(0.15) {
      let backupAt = Int.random(in: 5..<ticks / 2, using: &network.random)
      // `liandong backup` copies a SQLite file: a hub's database is backed up by PostgreSQL's
      // tools, so a hub restores nothing here.
      let node = Int.random(in: 0..<nodes.count, using: &network.random)
      let restorable = nodes[node].store is NodeStore ? node : 1
      restore = (restorable, backupAt, Int.random(in: backupAt + 5..<ticks, using: &network.random))
    }
    for _ in 0..<ticks {
      try chaos(forkNow: tick == forkAt)
    }
    try heal()
    try check()
    if forkedOrigin != nil { try decideFork() }
    network.figures.runs = 1
    network.figures.changesWritten = try nodes.reduce(0) {
      $0 + Int(try $1.store.versionVector()[$1.id] ?? 0)
    }
  }

  // MARK: - The chaotic phase

  private func chaos(forkNow: Bool) throws {
    tick += 1
    network.figures.ticks += 1
    now += UInt64.random(in: 1...400, using: &network.random)
    setClocks()
    try backUpOrRestore()
    if network.chance(0.4), let node = randomUpNode(), theft?.mayWrite(node, now: now) ?? true,
      rotation?.mayWrite(node, now: now) ?? true, node.catchingUp.isEmpty
    {
      do {
        try actRandomly(node, among: nodes, using: &network.random)
      } catch StoreError.localChangeRefused(.originQuarantined(let origin)) where origin == node.id {
        // A node that learned its own chain was forked writes nothing until an operator decides.
        network.figures.writesRefused += 1
      } catch let failure as Failure where failure.code == "object.withheld" && rotation != nil {
        // A rotation no node witnessed before the revocation is withheld, and with it what n2
        // signed since: n2 cannot act on its own objects made after it.
        network.figures.writesRefused += 1
      }
    }
    if network.chance(0.3), links.count < 6, let dialler = randomUpNode(),
      let listener = randomUpNode(except: dialler)
    {
      links.append(
        try SimulatedLink(dialler, listener, batchBytes: Int.random(in: 600...4_000, using: &network.random)))
    }
    if network.chance(0.03), let a = randomUpNode(), let b = randomUpNode(except: a) {
      network.cut.append(SimulatedNetwork.Direction(from: a.id, to: b.id))
      if network.chance(0.5) { network.cut.append(SimulatedNetwork.Direction(from: b.id, to: a.id)) }
      network.figures.partitions += 1
    }
    if !network.cut.isEmpty, network.chance(0.05) {
      network.cut.remove(at: Int.random(in: 0..<network.cut.count, using: &network.random))
    }
    if network.chance(0.02), let victim = randomUpNode() { crash(victim) }
    for index in nodes.indices where !up[index] && network.chance(0.15) { up[index] = true }
    if network.chance(0.02) {
      let index = Int.random(in: 0..<nodes.count, using: &network.random)
      skew[index] = network.chance(0.4) ? 0 : Int64.random(in: -Self.day...Self.day, using: &network.random)
      // The victim of a theft, or the node that rotates, keeps time: a day ahead, its own last
      // changes would follow the revocation.
      if revokedAt != nil, nodes[index].id == SimulationTheft.victim { skew[index] = 0 }
      network.figures.clockJumps += 1
      setClocks()
    }
    // Now and then a clock that runs ahead is set right: what its node signed ahead counts after
    // its next sync with a peer that agrees (`ChainTime`).
    let ahead = nodes.indices.filter { skew[$0] > 0 }
    if !ahead.isEmpty, network.chance(0.05) {
      skew[ahead.randomElement(using: &network.random)!] = 0
      network.figures.clocksSetRight += 1
      setClocks()
    }
    if forkNow { try injectFork() }
    try stepLinks()
    if var plan = theft {
      try plan.step(now: now, nodes: nodes, up: up, figures: &network.figures)
      theft = plan
    }
    if var plan = rotation {
      try plan.step(now: now, nodes: nodes, up: up, figures: &network.figures)
      rotation = plan
    }
  }

  private func setClocks() {
    for (index, node) in nodes.enumerated() { node.clockMillis = UInt64(Int64(now) + skew[index]) }
  }

  private func randomUpNode(except other: SimulatedNode? = nil) -> SimulatedNode? {
    let candidates = nodes.indices.filter { up[$0] && nodes[$0] !== other }
    return candidates.randomElement(using: &network.random).map { nodes[$0] }
  }

  private func crash(_ node: SimulatedNode) {
    up[nodes.firstIndex { $0 === node }!] = false
    for link in links { link.crash(node.id) }
    network.figures.crashes += 1
  }

  /// A restore run's backup, then its restore: the node loses whatever it stored since, and signs
  /// nothing until a session with every other node has finished (`NodeHome.catchUpWaitingFor`).
  private func backUpOrRestore() throws {
    guard let (index, backupAt, restoreAt) = restore else { return }
    let node = nodes[index]
    if tick == backupAt { backup = try node.backup() }
    if tick == restoreAt, let backup {
      // Restored with the node stopped: its sessions end as in a crash.
      crash(node)
      node.restore(backup, catchingUpWith: nodes.map(\.id).filter { $0 != node.id })
      network.figures.restores += 1
    }
  }

  /// A node restored from an old backup signs another change at a sequence it had already used,
  /// and hands it (with the chain before it) to one other node.
  private func injectFork() throws {
    let candidates = try nodes.filter { try ($0.store.versionVector()[$0.id] ?? 0) >= 3 }
    guard let origin = candidates.randomElement(using: &network.random),
      let other = randomUpNode(except: origin)
    else { return }
    let held = try origin.store.versionVector()[origin.id]!
    let sequence = UInt64.random(in: 2..<held, using: &network.random)
    let chain = try (1...sequence).map { try origin.store.change(origin: origin.id, sequence: $0)! }
    let twin = try origin.forkedTwin(after: chain.last!)
    // The twin may be refused like any change (the receiver's clock may be a day behind): then
    // there is no fork to find.
    let outcome = try other.receive((chain + [twin]).map(other.view)).last
    guard outcome == .stored || outcome == .forkDetected(.fork(origin: origin.id, sequence: sequence + 1))
    else {
      return
    }
    forkedOrigin = origin.id
    network.figures.forks += 1
  }

  private func stepLinks() throws {
    for link in links.shuffled(using: &network.random) {
      try link.step(tick: tick, budget: Int.random(in: 1...4, using: &network.random), network: &network)
    }
    for link in links where link.isOver { retire(link) }
    links.removeAll { $0.isOver }
  }

  /// Counts a link's outcome and keeps what each end was told the other had committed.
  private func retire(_ link: SimulatedLink) {
    violations += link.leaks
    for end in [0, 1] {
      let receiver = link.nodes[1 - end].id
      for (origin, sequence) in link.committedByPeer[end] {
        acknowledged[receiver, default: [:]][origin] = max(acknowledged[receiver]?[origin] ?? 0, sequence)
      }
      if case .success = link.outcomes[end] {
        network.figures.sessionsFinished += 1
      } else {
        network.figures.sessionsFailed += 1
      }
    }
  }

  // MARK: - Healing

  /// Everything mends: the network, the nodes and their clocks (moved two days on, past any
  /// skewed timestamp). Sessions still open finish or time out; then every pair syncs, round
  /// after round, until a round changes nothing.
  private func heal() throws {
    network.heal()
    up = up.map { _ in true }
    skew = skew.map { _ in 0 }
    now += UInt64(2 * Self.day)
    setClocks()
    for _ in 0..<200 where !links.isEmpty {
      tick += 1
      try stepLinks()
    }
    if !links.isEmpty { violations.append("\(links.count) sessions never ended after the network healed") }
    links = []
    if var plan = theft {
      try plan.installEverywhere(nodes)
      theft = plan
    }
    if var plan = rotation {
      try plan.installEverywhere(nodes)
      rotation = plan
    }
    try syncUntilQuiet()
    // Checkpoints signed as the last sessions ended travel in the next ones.
    for _ in 0..<3 {
      guard let revokedAt else { break }
      if Set(try nodes.map { try SimulationTheft.inputs(of: $0, revokedAt: revokedAt) }).count == 1 { break }
      try syncUntilQuiet()
    }
  }

  /// Every pair syncs, round after round, until a round changes nothing.
  private func syncUntilQuiet() throws {
    for round in 0..<8 {
      let before = try state()
      for (a, b) in pairs().shuffled(using: &network.random) {
        let link = try SimulatedLink(a, b, batchBytes: 4_000)
        var ticks = 0
        while !link.isOver && ticks < 2_000 {
          tick += 1
          ticks += 1
          try link.step(tick: tick, budget: 8, network: &network)
        }
        guard link.isOver else {
          violations.append("a session between \(a.id) and \(b.id) did not end on a whole network")
          continue
        }
        retire(link)
        for case .failure(let error) in link.outcomes {
          violations.append(
            "round \(round): a session between \(a.id) and \(b.id) failed on a whole network: \(error)")
        }
      }
      if try state() == before || converged() { break }
    }
  }

  /// Without a fork, the end is known without another round: every node holds every change and
  /// every body it may read. (A fork needs the quiet round: proofs travel one hop per round.)
  private func converged() throws -> Bool {
    guard forkedOrigin == nil else { return false }
    return try Set(nodes.map { try $0.store.heldChangesDigest() }).count == 1
      && nodes.allSatisfy { try $0.store.wantedBodies().isEmpty }
  }

  private func pairs() -> [(SimulatedNode, SimulatedNode)] {
    nodes.indices.flatMap { i in nodes.indices.filter { $0 > i }.map { (nodes[i], nodes[$0]) } }
  }

  /// What a sync round can change: the changes each node holds (stub or full), its missing
  /// files, the forks it knows of, and the origins it quarantines (a decision that arrives in a
  /// checkpoint, at a session's end, lifts a quarantine and changes nothing else until the next).
  private func state() throws -> [String] {
    try nodes.map {
      "\(try $0.store.changeSetDigest()) \(try $0.blobs.missing().count) \(try $0.store.forks().count) "
        + "\(try $0.store.quarantinedOrigins())"
    }
  }

  // MARK: - The decision

  /// The fork is decided for one of its two changes, chosen by the seed: by the forked node's
  /// operator, in a checkpoint it signs (when that node knows of the fork, half the time), else
  /// by the federation authority, in a manifest a node that did not fork publishes. Once every
  /// pair has synced until quiet, every node holds the kept change, none is quarantined, and all
  /// hold the same changes and projections.
  private func decideFork() throws {
    guard let forkedOrigin, let fork = try nodes.lazy.compactMap({ try $0.store.forks().first }).first else {
      return
    }
    let keep = network.chance(0.5) ? fork.heldChange : fork.otherChange
    let byOrigin = network.chance(0.5)
    if byOrigin, let origin = nodes.first(where: { $0.id == forkedOrigin }), let author = origin.author,
      try origin.store.forks().contains(where: { $0.origin == fork.origin && $0.sequence == fork.sequence })
    {
      _ = try origin.store.keepOwnFork(keep, author: author, now: origin.wallClock)
      network.figures.forksDecidedByOrigin += 1
    } else {
      let signed = try TestFederation.simulation.signedManifest(
        #"{"federation": "test", "version": 1000, "forks": [{"origin": "\#(fork.origin)", "sequence": \#(fork.sequence), "keep": "\#(keep)"}]}"#
      )
      guard let publisher = nodes.filter({ $0.id != forkedOrigin }).randomElement(using: &network.random)
      else {
        return
      }
      try publisher.record(
        [DomainOperation(objectID: publisher.newObjectID(), action: .publishManifest(signed))],
        audience: .all,
        officer: "authority", now: Date(timeIntervalSince1970: Double(publisher.clockMillis) / 1000))
    }
    network.figures.forksDecided += 1
    try syncUntilQuiet()
    for node in nodes {
      if !(try node.store.quarantinedOrigins()).isEmpty {
        violations.append(
          "\(node.id) still quarantines \(try node.store.quarantinedOrigins()) after the decision")
      }
      let held = try node.store.change(origin: forkedOrigin, sequence: fork.sequence)?.id.hex
      if held != keep {
        violations.append(
          "\(node.id) holds \(held?.prefix(12) ?? "nothing") at \(forkedOrigin)#\(fork.sequence), not the kept \(keep.prefix(12))"
        )
      }
    }
    if Set(try nodes.map { try $0.store.heldChangesDigest() }).count != 1 {
      violations.append("the nodes hold different changes after the fork was decided")
    }
    try checkEqualSetsFoldEqually(when: "after the fork was decided")
    // A kept twin whose body no node ever stored (its maker handed only the change over, and
    // the receiver already held the other) stays a stub everywhere; any other body must arrive.
    for node in nodes {
      let held = try node.store.wantedBodies().filter { id in
        try nodes.contains { try !$0.store.bodies(of: [id]).isEmpty }
      }
      if !held.isEmpty {
        violations.append("\(node.id) still lacks bodies another node holds after the fork was decided")
      }
    }
  }

  // MARK: - The invariants

  /// Nodes that hold the same changes, stubs and bodies alike, have identical projections.
  private func checkEqualSetsFoldEqually(when: String) throws {
    var projectionBySet: [String: (NodeID, String)] = [:]
    for node in nodes {
      let set =
        try revokedAt.map { try SimulationTheft.foldInputs(of: node, revokedAt: $0) }
        ?? node.store.changeSetDigest()
      let projection = try node.store.projectionDigest()
      if let (other, earlier) = projectionBySet[set], earlier != projection {
        violations.append(
          "\(node.id) and \(other) hold the same changes but their projections differ \(when)")
      }
      projectionBySet[set] = (node.id, projection)
    }
  }

  private func check() throws {
    // 1. Nodes that hold the same changes have identical projections (with a theft: the same
    // changes, checkpoints and CRL, and they withhold the same changes).
    if let theft {
      violations += try theft.check(nodes, figures: &network.figures)
    }
    if let rotation {
      violations += try rotation.check(nodes, figures: &network.figures)
    }
    try checkEqualSetsFoldEqually(when: "after healing")
    // 4. Nothing acknowledged is lost, crashes included.
    for node in nodes {
      let vector = try node.store.versionVector()
      for (origin, sequence) in acknowledged[node.id] ?? [:] {
        network.figures.acknowledgedChecked += Int(sequence)
        let held = vector[origin] ?? 0
        if held < sequence {
          network.figures.acknowledgedMissing += Int(sequence - held)
          violations.append("\(node.id) acknowledged \(origin) through \(sequence) but holds \(held)")
        }
      }
    }
    // 5. A fork is detected, by every node once the network is whole; none is seen where none was made.
    for node in nodes {
      let quarantined = try node.store.quarantinedOrigins()
      if let forkedOrigin, !quarantined.contains(forkedOrigin.rawValue) {
        violations.append("\(node.id) did not detect the fork of \(forkedOrigin)")
      }
      if forkedOrigin == nil, !quarantined.isEmpty {
        violations.append("\(node.id) quarantined \(quarantined) though no node forked")
      }
    }
    // 3. No body, and no file, outside its audience.
    var allFiles = Set<String>()
    for node in nodes { allFiles.formUnion(try node.store.evidence().map(\.sha256)) }
    for node in nodes {
      for change in try node.store.changes(after: [:]) where change.body != nil {
        if !change.header.audience.includes(node.id, origin: change.header.origin) {
          violations.append("\(node.id) holds the body of \(change.id) outside its audience")
        }
      }
      // A file of evidence whose record this node may read but holds withheld (a rotation no one
      // witnessed in time withholds what its node signed since) is the node's to hold.
      let withheld = Set(try node.store.withheldChanges().map(\.id))
      let withheldFiles = try node.store.changes(after: [:]).filter {
        withheld.contains($0.id.hex) && $0.header.audience.includes(node.id, origin: $0.header.origin)
      }.flatMap { change in
        (change.decodedBody()?.operations ?? []).compactMap { operation -> String? in
          if case .addEvidence(let record) = operation.action { return record.sha256.hex }
          return nil
        }
      }
      let visible = Set(try node.store.evidence().map(\.sha256)).union(withheldFiles)
      for sha256 in allFiles.sorted() where !visible.contains(sha256) {
        if try node.blobs.isComplete(Data(hex: sha256)!) {
          violations.append("\(node.id) holds file \(sha256.prefix(12)) without seeing its evidence")
        }
      }
    }
    // Convergence: without a fork, every node holds every change, and every body it may read.
    guard forkedOrigin == nil else { return }
    let held = Set(try nodes.map { try $0.store.heldChangesDigest() })
    if held.count != 1 { violations.append("the nodes hold different changes after healing") }
    for node in nodes {
      var wanted = try node.store.wantedBodies()
      // A restore loses what only the restored node held: a change of its own that it had passed
      // on only as a stub keeps its stub everywhere (the proof that it existed), and its body is
      // gone. Any other body must arrive.
      if let restored = restore.map({ nodes[$0.node].id }) {
        let own = Set(try node.store.changes(after: [:]).filter { $0.header.origin == restored }.map(\.id))
        wanted = try wanted.filter { id in
          try !own.contains(id) || nodes.contains { try !$0.store.bodies(of: [id]).isEmpty }
        }
      }
      if !wanted.isEmpty { violations.append("\(node.id) still lacks bodies it may read after healing") }
    }
  }
}
