import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore

/// The theft-and-backdate fault of the simulation. n2's key is stolen: its own operator writes
/// nothing from 4 s before the CA revokes its certificate (`TestFederation.simulationRevocationMillis`,
/// as the CRL states it);
/// after the revocation a thief with the key and a copy of n2's chain signs changes stamped just
/// before it, and hands them to one node; the CRL reaches the nodes one by one during the chaos,
/// and every node by the time the network heals. Its own random numbers, so that a run without a
/// theft replays exactly as before.
///
/// The invariant (issue #25): nodes that hold the same changes, the same checkpoints and the CRL
/// withhold the same changes and fold the same projections. n2's own checkpoints are left out of
/// "the same": the rule never counts an origin's checkpoints for its own changes, and after the
/// revocation a node keeps them or not depending on whether it had the CRL when they came.
struct SimulationTheft {
  static let victim = try! NodeID("n2")
  static let revokedAt = TestFederation.simulationRevocationMillis
  var random: SeededGenerator
  private var stealAt: UInt64
  private(set) var stolen: [ChangeID] = []
  private var rollout = SimulatedCRLRollout(trust: TestFederation.simulationRevocation)

  /// A plan for about one run in seven, or nil.
  init?(seed: UInt64) {
    random = SeededGenerator(seed: seed ^ 0x7E1F_7000_0000)
    guard Double.random(in: 0..<1, using: &random) < 0.15 else { return nil }
    stealAt = Self.revokedAt + UInt64.random(in: 500...6_000, using: &random)
  }

  /// The victim signs nothing of its own from shortly before the revocation (a change signed
  /// after it would be refused by the nodes that have the CRL, and its chain with it).
  func mayWrite(_ node: SimulatedNode, now: UInt64) -> Bool {
    node.id != Self.victim || now + 4_000 < Self.revokedAt
  }

  /// One tick: the theft once its moment has come, and the CRL to a node now and then.
  mutating func step(now: UInt64, nodes: [SimulatedNode], up: [Bool], figures: inout SimulationFigures) throws
  {
    if stolen.isEmpty, now >= stealAt { try steal(nodes: nodes, up: up, figures: &figures) }
    guard now >= Self.revokedAt else { return }
    try rollout.step(nodes, random: &random)
  }

  /// Every node installs the CRL (before the healed network's last rounds).
  mutating func installEverywhere(_ nodes: [SimulatedNode]) throws { try rollout.installEverywhere(nodes) }

  /// The thief continues n2's chain from its head with one to three changes stamped just before
  /// the revocation, and hands the chain to a node that is up.
  private mutating func steal(nodes: [SimulatedNode], up: [Bool], figures: inout SimulationFigures) throws {
    guard let victim = nodes.first(where: { $0.id == Self.victim }), let author = victim.author else {
      return
    }
    let receivers = nodes.indices.filter { up[$0] && nodes[$0].id != Self.victim }
    guard let index = receivers.randomElement(using: &random),
      let held = try victim.store.versionVector()[victim.id]
    else { return }
    var chain = try (1...held).map { try victim.store.change(origin: victim.id, sequence: $0)! }
    var wall = max(chain.last!.header.time.wallMillis + 1, Self.revokedAt - 3_000)
    for _ in 0..<Int.random(in: 1...3, using: &random) where wall < Self.revokedAt {
      let tip = chain.last!
      let subject = victim.newObjectID()
      let change = try author.sign(
        body: ChangeBody(
          officer: "thief",
          operations: [
            DomainOperation(
              objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "盗用密钥的店")))
          ]),
        audience: .all, after: ChangeAuthor.ChainTip(sequence: tip.header.sequence, id: tip.id),
        time: HLCTimestamp(wallMillis: wall))
      chain.append(change)
      stolen.append(change.id)
      wall += 1
    }
    let receiver = nodes[index]
    _ = try receiver.receive(chain.map(receiver.view))
    figures.thefts += 1
    figures.stolenChanges += stolen.count
  }

  /// What the rule's decisions rest on at `node`: the changes it holds (stubs or not), and which of the
  /// victim's are witnessed before the revocation by another node's checkpoint. (Checkpoint sets
  /// themselves need not converge: peers pass on only those newer than the newest held per signer.)
  /// (The rotation runs revoke n2 too, at their own moment: `revokedAt`.)
  static func inputs(of node: SimulatedNode, revokedAt: UInt64 = SimulationTheft.revokedAt) throws -> String {
    "\(try node.store.heldChangesDigest()) \(try witnessedBeforeRevocation(at: node, revokedAt: revokedAt).map(\.hex).sorted())"
  }

  /// The same, and which bodies it holds: what its projections rest on.
  static func foldInputs(of node: SimulatedNode, revokedAt: UInt64 = SimulationTheft.revokedAt) throws
    -> String
  {
    "\(try node.store.changeSetDigest()) \(try inputs(of: node, revokedAt: revokedAt))"
  }

  static func witnessedBeforeRevocation(at node: SimulatedNode, revokedAt: UInt64 = SimulationTheft.revokedAt)
    throws -> Set<ChangeID>
  {
    Set(
      try node.store.changes(after: [:]).filter { $0.header.origin == victim }.map(\.id).filter { change in
        try node.store.witnesses(of: change).contains { $0.sinceMillis < revokedAt }
      })
  }

  /// Each node withholds exactly the victim's changes that no other node witnessed before the
  /// revocation, and nodes with the same inputs withhold the same.
  func check(_ nodes: [SimulatedNode], figures: inout SimulationFigures) throws -> [String] {
    var violations: [String] = []
    var byInputs: [String: (NodeID, [String])] = [:]
    for node in nodes {
      let withheld = try node.store.withheldChanges().map(\.id).sorted()
      let witnessed = try Self.witnessedBeforeRevocation(at: node)
      let victims = try node.store.changes(after: [:]).filter { $0.header.origin == Self.victim }.map(\.id)
      let expected = victims.filter { !witnessed.contains($0) }.map(\.hex).sorted()
      if withheld != expected {
        violations.append(
          "\(node.id) withholds \(withheld.map { $0.prefix(12) }) but the rule says \(expected.map { $0.prefix(12) })"
        )
      }
      let key = try Self.inputs(of: node)
      if let (other, theirs) = byInputs[key], theirs != withheld {
        violations.append("\(node.id) and \(other) have the same inputs but withhold different changes")
      }
      byInputs[key] = (node.id, withheld)
      figures.stolenWithheld += stolen.filter { withheld.contains($0.hex) }.count
    }
    figures.theftAgreements += byInputs.count == 1 ? 1 : 0
    return violations
  }
}
