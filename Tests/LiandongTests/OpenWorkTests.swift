import Foundation
import LiandongCore
import Testing

@testable import LiandongApp
@testable import LiandongStore

/// The worklist and the due list read only the leads with work open on them
/// (`leadsWithOpenWork`), not every lead a node has held for years nor those shared with all;
/// as a property, over the convergence test's random workload, what they show must be exactly
/// what every lead gives.
@Suite("Leads with open work", .serialized)
struct OpenWorkTests {
  @Test("the due list and the worklist from the open leads equal those from every lead, on every node")
  func sameAsEveryLead() throws {
    var excluded = 0
    var dueSeen = 0
    var conflictsSeen = 0
    for seed in (0..<UInt64(6)).map({ 0x0FE4_0000 + $0 }) {
      var random = SeededGenerator(seed: seed)
      let failure = "seed \(seed)"
      let base = Date().unixMillis
      let nodes = try (0..<Int.random(in: 3...4, using: &random)).map {
        try SimulatedNode("n\($0)", clockMillis: base + UInt64.random(in: 0...3_000, using: &random))
      }
      try SimulatedNode.acquaint(nodes)
      for (index, node) in nodes.enumerated() {
        node.objectIDSource = SeededGenerator(seed: seed &* 31 &+ UInt64(index))
      }
      for _ in 0..<60 {
        let node = nodes.randomElement(using: &random)!
        node.clockMillis += UInt64.random(in: 1...50, using: &random)
        try actRandomly(node, among: nodes, using: &random)
        // Each act reaches one other node, so that leads are acknowledged, decided and handed off.
        let source = nodes.randomElement(using: &random)!
        let destination = nodes.randomElement(using: &random)!
        try destination.receive(try source.store.changes(after: [:]).map(destination.view))
      }
      for node in nodes {
        let all = try node.store.leads()
        let open = try node.store.leadsWithOpenWork()
        #expect(Set(open.map(\.id)).isSubset(of: Set(all.map(\.id))), "\(failure)")
        excluded += all.count - open.count
        let app = node.app
        let now = Date(timeIntervalSince1970: Double(node.clockMillis) / 1000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let dueFromAll = try app.dueItems(calendar: .builtIn, now: now, among: all)
        let dueFromOpen = try app.dueItems(calendar: .builtIn, now: now, among: open)
        dueSeen += dueFromAll.count
        #expect(try encoder.encode(dueFromOpen) == encoder.encode(dueFromAll), "\(failure) on \(node.id)")
        let worklistFromAll = try app.worklist(calendar: .builtIn, now: now, among: all)
        let worklistFromOpen = try app.worklist(calendar: .builtIn, now: now, among: open)
        #expect(
          worklistFromOpen.toAcknowledge.map(\.id) == worklistFromAll.toAcknowledge.map(\.id), "\(failure)")
        #expect(
          worklistFromOpen.handOffsOffered.map(\.id) == worklistFromAll.handOffsOffered.map(\.id),
          "\(failure)")
        // The worklist's conflicts, read from the rows that hold one, are those every request and
        // lead show.
        let fromEverything =
          try node.store.requests().compactMap { request in
            request.conflict.map {
              "request \(request.id) \(request.requester) and \(request.requested): \($0)"
            }
          }
          + all.compactMap { lead in
            lead.dispute.map {
              "jurisdiction \(lead.id) \($0.owner) and \($0.claimant): \($0.owner) owns the case; "
                + "\($0.claimant) claimed it on \($0.since): \($0.reason)"
            }
          }
        let read = try node.store.conflicts().filter { $0.kind != "hand-off" }.map {
          "\($0.kind) \($0.id) \($0.between): \($0.acts)"
        }
        #expect(read == fromEverything, "\(failure) on \(node.id)")
        conflictsSeen += fromEverything.count
      }
    }
    print(
      "open work: seeds 0x0FE40000-5, \(excluded) leads left out (closed, or naming no bureau), \(dueSeen) due items and \(conflictsSeen) conflicts compared"
    )
    // Not vacuous: some leads were left out, and there were deadlines and conflicts to compare.
    #expect(
      excluded > 0 && dueSeen > 0 && conflictsSeen > 0,
      "excluded \(excluded), due items \(dueSeen), conflicts \(conflictsSeen)")
  }
}
