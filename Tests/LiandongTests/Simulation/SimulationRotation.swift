import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore

/// The rotation-then-revocation fault of the simulation (issue #25). n2 rotates its certificate
/// (`cert rotate`: the new one announced in a change signed with the old key) a few seconds before
/// the CA revokes the old one as superseded, and signs with the new key from then on; until it has
/// rotated, it signs nothing from shortly before the revocation. The CRL reaches the nodes one by
/// one during the chaos, and every node by the time the network heals. Its own random numbers, so
/// that a run without a rotation replays exactly as before.
///
/// The invariant: on every node, n2's changes signed with the old certificate count exactly when
/// another node's checkpoint held them before the revocation, and those signed with the new one
/// exactly when the rotation counts (a rotation stands only if its announcement does); nodes that
/// hold the same changes and the same witness facts withhold the same changes.
struct SimulationRotation {
  static let node = SimulationTheft.victim
  static let revokedAt = TestFederation.simulationRotationRevokedMillis
  var random: SeededGenerator
  private let rotateAt: UInt64
  private(set) var rotation: ChangeID? = nil
  private var rollout = SimulatedCRLRollout(trust: TestFederation.simulationRotation.trust)

  /// A plan for about one run in eight of those without a theft, or nil.
  init?(seed: UInt64) {
    random = SeededGenerator(seed: seed ^ 0x2074_A7E0_0000)
    guard Double.random(in: 0..<1, using: &random) < 0.12 else { return nil }
    rotateAt = Self.revokedAt - UInt64.random(in: 1_500...7_000, using: &random)
  }

  /// n2 signs with its old key only until shortly before the revocation.
  func mayWrite(_ node: SimulatedNode, now: UInt64) -> Bool {
    node.id != Self.node || rotation != nil || now + 1_000 < Self.revokedAt
  }

  /// One tick: the rotation once its moment has come (if n2 is up, and not too late), and the CRL
  /// to a node now and then.
  mutating func step(now: UInt64, nodes: [SimulatedNode], up: [Bool], figures: inout SimulationFigures) throws
  {
    if rotation == nil, now >= rotateAt, now + 1_000 < Self.revokedAt,
      let index = nodes.firstIndex(where: { $0.id == Self.node }), up[index], nodes[index].catchingUp.isEmpty
    {
      let new = TestFederation.simulationRotation
      rotation = try nodes[index].rotate(to: new.chain, key: new.key).id
      figures.rotations += 1
    }
    guard now >= Self.revokedAt else { return }
    try rollout.step(nodes, random: &random)
  }

  /// Every node installs the CRL (before the healed network's last rounds).
  mutating func installEverywhere(_ nodes: [SimulatedNode]) throws { try rollout.installEverywhere(nodes) }

  /// Each node withholds exactly what the rule says of n2's changes, and nodes with the same
  /// inputs withhold the same.
  func check(_ nodes: [SimulatedNode], figures: inout SimulationFigures) throws -> [String] {
    var violations: [String] = []
    var byInputs: [String: (NodeID, [String])] = [:]
    let old = try TestFederation.simulation.chain(Self.node.rawValue)[0].fingerprint
    var rotationCounts: Set<Bool> = []
    for node in nodes {
      let withheld = try node.store.withheldChanges().map(\.id).sorted()
      let witnessed = try SimulationTheft.witnessedBeforeRevocation(at: node, revokedAt: Self.revokedAt)
      let changes = try node.store.changes(after: [:]).filter { $0.header.origin == Self.node }
      let rotationWithheld = rotation.map { !witnessed.contains($0) } ?? false
      if let rotation, changes.contains(where: { $0.id == rotation }) {
        rotationCounts.insert(!rotationWithheld)
      }
      let expected = changes.filter {
        $0.header.signerSHA256 == old ? !witnessed.contains($0.id) : rotationWithheld
      }.map(\.id.hex).sorted()
      if withheld != expected {
        violations.append(
          "\(node.id) withholds \(withheld.map { $0.prefix(12) }) but the rule says \(expected.map { $0.prefix(12) })"
        )
      }
      let key = try SimulationTheft.inputs(of: node, revokedAt: Self.revokedAt)
      if let (other, theirs) = byInputs[key], theirs != withheld {
        violations.append("\(node.id) and \(other) have the same inputs but withhold different changes")
      }
      byInputs[key] = (node.id, withheld)
    }
    if rotationCounts == [true] { figures.rotationsStanding += 1 }
    figures.rotationAgreements += byInputs.count == 1 ? 1 : 0
    return violations
  }
}
