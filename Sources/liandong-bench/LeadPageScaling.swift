import Foundation
import LiandongCore
import LiandongStore

/// B9, lead pages: the first page of `lead list` (50 leads, as the console and the API ask for)
/// under each kind of filter, on a node holding N leads and then 10 N, read in-process through the
/// store's page query. A page costs what it returns and what its filter skips when the time at
/// 10 N is at most 1.5 times the time at N. The leads come in by `liandong lead import`, as a
/// bureau's would.
struct LeadPageScaling {
  let workspace: BenchWorkspace
  let scale: Double

  static let mark = LeadCSV.mark
  static let pageSize = 50

  private static let queries: [(name: String, filter: LeadFilter)] = [
    ("newest", LeadFilter()),
    ("risk, 1%", LeadFilter(risk: "low")),
    ("text, all", LeadFilter(text: "伪造检测")),
    ("2 chars, all", LeadFilter(text: "伪造")),
    ("text, 30", LeadFilter(text: mark)),
    ("2 chars, 30", LeadFilter(text: String(mark.prefix(2)))),
    ("a name", LeadFilter(text: "检测服务店4242号")),
  ]

  func run() throws -> [BenchRow] {
    let small = max(2_000, Int(100_000 * scale)), large = small * 10
    let node = try BenchNode("bench-c", workspace: workspace, copy: 9)
    var imported = try LeadCSV.importLeads(node, 0..<small, chunk: small, workspace: workspace, label: "B9")
    let atSmall = try medians(node)
    imported += try LeadCSV.importLeads(node, small..<large, chunk: small, workspace: workspace, label: "B9")
    let atLarge = try medians(node)
    log(String(format: "B9: %d leads imported in %.1f s", large, imported))
    return Self.queries.indices.map { index in
      BenchRow(
        scenario: "B9 \(Self.queries[index].name)", ours: atLarge[index] * 1000,
        reference: 1.5 * atSmall[index] * 1000, unit: "ms",
        referenceName:
          "1.5 x the same page at \(small) leads (\(String(format: "%.2f", atSmall[index] * 1000)) ms)",
        goal: 1.0,
        note:
          "first page of \(Self.pageSize) at \(large) leads, \(Self.describe(Self.queries[index].filter)); median of 5",
        lowerIsBetter: true)
    }
  }

  private static func describe(_ filter: LeadFilter) -> String {
    if let text = filter.text { return "text '\(text)'" }
    if let risk = filter.risk { return "risk \(risk)" }
    return "no filter"
  }

  /// Each query's median time over five runs, after one to warm the cache.
  private func medians(_ node: BenchNode) throws -> [Double] {
    let store = try NodeStore(
      path: node.data.appendingPathComponent("liandong.sqlite").path, node: try NodeID(node.name))
    return try Self.queries.map { query in
      var times: [Double] = []
      for run in 0..<6 {
        let started = Date()
        let page = try store.leadPage(query.filter, after: nil, limit: Self.pageSize)
        if run > 0 { times.append(Date().timeIntervalSince(started)) }
        guard page != nil else { throw BenchError("B9: the page query for \(query.name) found no page") }
      }
      return times.sorted()[times.count / 2]
    }
  }
}
