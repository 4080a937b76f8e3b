import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// B9, reads at scale: the first page of `lead list` (50 leads, as the console and the API ask
/// for) under each kind of filter, and the due list, the worklist, a campaign report of the
/// month before and the early-warning alerts, on a copy of a node as it held N leads beside the
/// node holding 10 N, read in-process through the store's page query and the application layer,
/// both sizes in the same rounds (`medians`). A read costs what it returns and what its filter
/// skips when the time at 10 N is at most 1.5 times the time at N.
/// The leads come in by `liandong lead import`, as a bureau's would: shared with all, and
/// `awaiting` more (imported first) sent to a bureau by name, the open work the due list shows;
/// before them, another region's `onSharedShops` leads arrive by sync, each on a shop one of the
/// first N leads names (the alerts).
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

  /// The reads of whole lists, through the application layer as the front ends call it: each
  /// returns how many items it found.
  private static let reads: [(name: String, note: String, read: @Sendable (NodeApp) throws -> Int)] = [
    ("due", "the due list", { app in try app.dueItems(calendar: try app.calendar(file: nil)).count }),
    (
      "worklist", "the worklist", { app in try app.worklist(calendar: try app.calendar(file: nil)).due.count }
    ),
    (
      "report, month before", "a campaign report of the 30 days before the import",
      { app in
        let today = CivilDate(chinaDayOf: Date().unixMillis)
        return try app.campaignReport(from: today.adding(days: -30), to: today.adding(days: -1)).rows.count
      }
    ),
    ("alerts", "the early-warning alerts", { app in try app.alerts().alerts.count }),
  ]

  /// Another region's leads, each on a shop one of the imported leads names: an alert each.
  static let onSharedShops = 30

  /// Leads sent to a bureau by name, each an item of the due list at both sizes.
  static let awaiting = 30

  func run() async throws -> [BenchRow] {
    let small = max(2_000, Int(100_000 * scale)), large = small * 10
    let node = try BenchNode("bench-c", workspace: workspace, copy: 9)
    try importAwaiting(node)
    try await receiveLeadsOnSharedShops(node, among: small)
    var imported = try LeadCSV.importLeads(node, 0..<small, chunk: small, workspace: workspace, label: "B9")
    // The node as it stands at N leads, kept to be read beside the node at 10 N.
    let atN = workspace.directory.appendingPathComponent("B9-at-\(small)")
    try FileManager.default.copyItem(at: node.data, to: atN)
    imported += try LeadCSV.importLeads(node, small..<large, chunk: small, workspace: workspace, label: "B9")
    let (atSmall, atLarge) = try medians(node.name, small: atN, large: node.data)
    log(String(format: "B9: %d leads imported in %.1f s", large, imported))
    let named =
      Self.queries.map { ("B9 \($0.name)", "first page of \(Self.pageSize)", Self.describe($0.filter)) }
      + Self.reads.map { ("B9 \($0.name)", $0.note, "") }
    return named.indices.map { index in
      let (scenario, what, filter) = named[index]
      return BenchRow(
        scenario: scenario, ours: atLarge[index] * 1000, reference: 1.5 * atSmall[index] * 1000, unit: "ms",
        referenceName:
          "1.5 x the same at \(small) leads (\(String(format: "%.2f", atSmall[index] * 1000)) ms)",
        goal: 1.0,
        note:
          "\(what) at \(large) leads\(filter.isEmpty ? "" : ", " + filter); median of \(Self.rounds) rounds",
        lowerIsBetter: true)
    }
  }

  /// Imports the leads sent to `bench-a` by name (`awaiting`): a peer, never dialled here, since
  /// a lead is sent only to a node this one knows.
  private func importAwaiting(_ node: BenchNode) throws {
    _ = try node.cli(["peer", "add", "bench-a", "127.0.0.1:9"])
    try importShops(
      node, to: "bench-a",
      (0..<Self.awaiting).map { index in
        "待办检测店\(index)号,某电商平台,\(900_000 + index),forged-report,转来待核查的检测报告线索 第\(index)件"
      })
  }

  /// Syncs from `bench-a` its `onSharedShops` leads, on the shops of imported leads spread over
  /// the first `among` (`LeadCSV`'s shop IDs), shared with all.
  private func receiveLeadsOnSharedShops(_ node: BenchNode, among: Int) async throws {
    let region = try BenchNode("bench-a", workspace: workspace, copy: 9)
    try importShops(
      region, to: "all",
      (0..<Self.onSharedShops).map { index in
        "另一地区检测店\(index)号,某电商平台,\(100_000 + index * (among / Self.onSharedShops)),forged-report,同一网店的线索"
      })
    let (server, port) = try await region.serve()
    defer { server.stopServing() }
    _ = try node.sync(with: region.name, port: port)
  }

  /// `liandong lead import` on `node` of `rows` (subject name, platform, shop ID, violations,
  /// summary), sent `to` an audience.
  private func importShops(_ node: BenchNode, to audience: String, _ rows: [String]) throws {
    let csv = workspace.directory.appendingPathComponent("B9-\(node.name).csv")
    let text = (["subject_name,platform,shop_id,violations,summary"] + rows).map { $0 + "\n" }.joined()
    try text.write(to: csv, atomically: true, encoding: .utf8)
    _ = try node.cli(["lead", "import", csv.path, "--to", audience, "--json"])
    try FileManager.default.removeItem(at: csv)
  }

  private static func describe(_ filter: LeadFilter) -> String {
    if let text = filter.text { return "text '\(text)'" }
    if let risk = filter.risk { return "risk \(risk)" }
    return "no filter"
  }

  /// Timed rounds of every read, after one to warm the cache.
  static let rounds = 21
  /// The pause between rounds, so that the rounds of one read spread over a few seconds.
  static let pauseBetweenRounds: TimeInterval = 0.05

  /// Each page query's, then each whole-list read's, median time over `rounds` rounds on the
  /// node at N leads (`small`) and at 10 N (`large`). A round takes every read in turn, each on
  /// both nodes one after the other, and the rounds pause between them: the two sizes are timed
  /// in the same seconds, each read's samples spread over a few, and all of it once the imports'
  /// writes are on the disk (`sync`). Timed one size after the other, minutes apart, the ratios
  /// moved with whatever the machine did in those minutes (BENCHMARKS.md, B9).
  private func medians(_ name: String, small: URL, large: URL) throws -> ([Double], [Double]) {
    let reads = try [small, large].map { try self.reads(name, folder: $0) }
    sync()
    var times = Array(repeating: Array(repeating: [Double](), count: reads[0].count), count: 2)
    for round in 0...Self.rounds {
      for index in reads[0].indices {
        // Each size goes first in every other round.
        for size in round % 2 == 0 ? [0, 1] : [1, 0] {
          let started = Date()
          try reads[size][index]()
          if round > 0 { times[size][index].append(Date().timeIntervalSince(started)) }
        }
      }
      Thread.sleep(forTimeInterval: Self.pauseBetweenRounds)
    }
    let medians = times.map { $0.map { $0.sorted()[$0.count / 2] } }
    return (medians[0], medians[1])
  }

  /// The page queries, then the whole-list reads, on the node `name` whose data is in `folder`.
  private func reads(_ name: String, folder: URL) throws -> [() throws -> Void] {
    let store = try NodeStore(
      path: folder.appendingPathComponent("liandong.sqlite").path, node: try NodeID(name))
    let app = NodeApp(home: try NodeHome.open(folder))
    let pages: [() throws -> Void] = Self.queries.map { query in
      {
        let page = try store.leadPage(query.filter, after: nil, limit: Self.pageSize)
        guard page != nil else { throw BenchError("B9: the page query for \(query.name) found no page") }
      }
    }
    let lists: [() throws -> Void] = Self.reads.map { read in
      {
        let found = try read.read(app)
        if read.name == "due", found < Self.awaiting {
          throw BenchError(
            "B9: the due list shows \(found) items, not the \(Self.awaiting) leads sent by name")
        }
        if read.name == "alerts", found != Self.onSharedShops {
          throw BenchError(
            "B9: \(found) alerts, not one for each of the \(Self.onSharedShops) leads on imported leads' shops"
          )
        }
      }
    }
    return pages + lists
  }
}
