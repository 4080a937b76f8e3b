import Foundation
import LiandongTesting

/// B6 of BENCHMARKS.md: seven nodes in a line, `line-0` to `line-6`, each writing 1,000 changes
/// while the link in the middle (`line-3` to `line-4`) is cut; then the link returns. A round is
/// what a federation does on each interval: every node runs `liandong sync --all` with its
/// neighbours, all at once. Counted: rounds after the heal until every node holds every change.
/// Goal: at most 2 rounds per hop, 12 for the 6 hops from one end to the other.
struct LinePartition {
  let workspace: BenchWorkspace
  let changesPerNode: Int

  func run() async throws -> [BenchRow] {
    let names = (0..<7).map { "line-\($0)" }
    log("B6: seven nodes in a line, \(changesPerNode) changes each while line-3 and line-4 are apart ...")
    var nodes: [BenchNode] = []
    for name in names {
      try workspace.issue(name)
      let node = try BenchNode(name, workspace: workspace)
      try node.writeLeads(changesPerNode)
      nodes.append(node)
    }
    var servers: [ChildProcess] = []
    defer {
      for server in servers { server.signal(SIGTERM) }
      for server in servers { _ = server.wait(timeout: 60) }
    }
    var ports: [Int] = []
    for node in nodes {
      let (server, port) = try await node.serve()
      servers.append(server)
      ports.append(port)
    }
    func link(_ left: Int, _ right: Int) throws {
      try nodes[left].cli(["peer", "add", names[right], "127.0.0.1:\(ports[right])"])
      try nodes[right].cli(["peer", "add", names[left], "127.0.0.1:\(ports[left])"])
    }
    for index in 0..<6 where index != 3 { try link(index, index + 1) }

    // During the partition each half converges on its own.
    let halves = [Array(0...3), Array(4...6)]
    var partitionRounds = 0
    while try halves.contains(where: { half in
      try half.contains { try nodes[$0].changeCount() < half.count * (changesPerNode + 1) }
    }) {
      partitionRounds += 1
      guard partitionRounds <= 20 else { throw BenchError("the halves did not converge in 20 rounds") }
      try round(nodes)
    }
    log("B6: each half converged in \(partitionRounds) rounds; healing the link line-3 - line-4 ...")

    try link(3, 4)
    let total = names.count * (changesPerNode + 1)
    let started = Date()
    var rounds = 0
    var held = try nodes.map { try $0.changeCount() }
    while held.contains(where: { $0 < total }) {
      rounds += 1
      guard rounds <= 30 else { throw BenchError("not converged after 30 rounds: \(held)") }
      try round(nodes)
      held = try nodes.map { try $0.changeCount() }
      log("B6: round \(rounds): changes held \(held.map(String.init).joined(separator: " "))")
    }
    let seconds = Date().timeIntervalSince(started)
    let perHop = Double(rounds) / 6
    log(
      String(
        format: "B6: converged in %d rounds after the heal (%.2f per hop), %.1f s", rounds, perHop, seconds))
    return [
      BenchRow(
        scenario: "B6", ours: perHop, reference: 2, unit: "rnd/hop",
        referenceName: "2 rounds per hop (limit)",
        goal: 0,
        note: "\(rounds) rounds of concurrent 'sync --all' over 6 hops after the heal, \(total) changes, "
          + String(format: "%.1f s", seconds),
        lowerIsBetter: true)
    ]
  }

  /// Every node syncs with its neighbours at the same time, as on a shared interval.
  private func round(_ nodes: [BenchNode]) throws {
    let children = try nodes.map { node in
      try ChildProcess(BenchNode.binary, ["sync", "--all", "--data", node.data.path])
    }
    for (node, child) in zip(nodes, children) {
      let status = child.wait(timeout: 600)
      guard status == 0 else {
        throw BenchError("sync --all on \(node.name) exited \(status): \(child.stderr)")
      }
    }
  }
}
