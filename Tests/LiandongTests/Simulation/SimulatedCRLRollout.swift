import Foundation
import LiandongCore
import LiandongCrypto

/// A CRL reaching the simulation's nodes one by one, as operators install it (or sync relays it):
/// after the revocation, each tick, each node that lacks it takes it one time in ten; every node
/// has it by the time the network heals.
struct SimulatedCRLRollout {
  let trust: TrustAnchor
  private var installed: Set<NodeID> = []

  init(trust: TrustAnchor) { self.trust = trust }

  mutating func step(_ nodes: [SimulatedNode], random: inout SeededGenerator) throws {
    for node in nodes where !installed.contains(node.id) && Double.random(in: 0..<1, using: &random) < 0.1 {
      try install(on: node)
    }
  }

  mutating func installEverywhere(_ nodes: [SimulatedNode]) throws {
    for node in nodes where !installed.contains(node.id) { try install(on: node) }
  }

  private mutating func install(on node: SimulatedNode) throws {
    node.verifier = ChangeVerifier(trust: trust)
    try node.store.applyRevocations(trust)
    installed.insert(node.id)
  }
}
