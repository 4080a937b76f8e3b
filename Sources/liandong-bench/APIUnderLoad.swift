import Foundation
import LiandongTesting

/// B10, the API under load (issue 27): first pages of filtered lead lists through
/// `GET /v1/leads`, asked by `wrk` at about 200 requests a second with an officer's token, on a
/// node holding N leads (1,000,000 at scale 1, imported by `liandong lead import`); first with
/// the node otherwise idle, then while it ingests a sync of N/5 new leads from a peer that has
/// already caught up with the node's N (enough that the sync outlasts the window: the figure is
/// then of reads during an ingest). Goal: the 99th percentile under 50 ms in both.
struct APIUnderLoad {
  let workspace: BenchWorkspace
  let scale: Double
  /// Seconds of each window of reads (`--window`; 30 unless a quick run asks for fewer).
  let window: Int

  static let connections = 10
  /// Each connection waits this long after a response before its next request: ten connections
  /// then ask about 200 times a second while a page takes a few milliseconds.
  static let pauseMillis = 45
  static let limitMillis = 50.0

  /// The pages asked for in turn: newest first, a 1 % filter, a text every lead holds, a text 30
  /// leads hold.
  static let paths = [
    "/v1/leads?limit=50", "/v1/leads?limit=50&risk=low",
    "/v1/leads?limit=50&q=" + percentEncoded("伪造检测"), "/v1/leads?limit=50&q=" + percentEncoded(LeadCSV.mark),
  ]

  func run() async throws -> [BenchRow] {
    let wrk = try Self.wrk()
    let count = max(10_000, Int(1_000_000 * scale))
    let node = try BenchNode("bench-c", workspace: workspace, copy: 10)
    let imported = try LeadCSV.importLeads(
      node, 0..<count, chunk: min(count, 100_000), workspace: workspace, label: "B10")
    log(String(format: "B10: %d leads imported in %.1f s", count, imported))
    let writer = try BenchNode("bench-a", workspace: workspace, copy: 10)
    try node.cli(["officer", "add", "bench_reader", "--role", "officer"])
    let token = try node.cli(["officer", "token", "bench_reader"]).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let (server, port, base) = try await node.serveAPI()
    defer { server.stopServing() }
    // The peer first catches up with what bench-c holds, unmeasured: in the measured sync
    // bench-c ingests the peer's new leads, as the goal says, and the peer (another machine in a
    // federation) does not fold bench-c's N leads on these two cores meanwhile.
    try writer.cli(["peer", "add", "bench-c", "127.0.0.1:\(port)"])
    let caughtUp = Date()
    let first = try ChildProcess(BenchNode.binary, ["sync", "bench-c", "--data", writer.data.path])
    guard await first.wait(timeout: 3600) == 0 else {
      throw BenchError("B10: the first sync failed: \(first.stderr)")
    }
    log(
      String(
        format: "B10: bench-a caught up with bench-c's %d leads in %.1f s", count,
        Date().timeIntervalSince(caughtUp)))
    let ingest = count / 5
    log("B10: writing \(ingest) leads on bench-a, to sync to bench-c under load ...")
    try writer.writeLeads(ingest)
    let script = workspace.directory.appendingPathComponent("b10.lua")
    try Self.script(token: token).write(to: script, atomically: true, encoding: .utf8)

    log("B10: \(window) s of reads on the idle node ...")
    let idle = try Self.measure(wrk, base: base, script: script, seconds: window)
    log("B10: \(window) s of reads while bench-c ingests \(ingest) leads from bench-a ...")
    let (loaded, syncSeconds) = try await Self.measure(
      wrk, base: base, script: script, seconds: window,
      whileSyncing: ["sync", "bench-c", "--data", writer.data.path])
    return [
      idle.row("B10 p99 idle", note: "\(count) leads, nothing else running"),
      loaded.row(
        "B10 p99 syncing",
        note: String(
          format: "%d leads, while a sync of %d more ran (it took %.0f s of the %d s window)", count, ingest,
          syncSeconds, window)),
    ]
  }

  /// What one `wrk` run measured.
  struct Reading {
    var p50, p99, requestsPerSecond: Double
    var failures: Int

    func row(_ scenario: String, note: String, referenceName: String = "the goal's limit") -> BenchRow {
      BenchRow(
        scenario: scenario, ours: p99, reference: APIUnderLoad.limitMillis, unit: "ms",
        referenceName: referenceName, goal: 0,
        note: String(
          format: "first pages of 4 filtered lists at %.0f requests/s (p50 %.1f ms, %d not 200); ",
          requestsPerSecond, p50, failures) + note,
        lowerIsBetter: true)
    }
  }

  /// `measure` while `liandong` runs a sync with `arguments`; also the seconds the sync took,
  /// read when it ended (it may end before the window does, or after).
  static func measure(
    _ wrk: String, base: String, script: URL, connections: Int = connections, seconds: Int,
    whileSyncing arguments: [String]
  ) async throws -> (Reading, Double) {
    let started = Date()
    let sync = try ChildProcess(BenchNode.binary, arguments)
    let syncing = Task.detached { (await sync.wait(timeout: 3600), Date()) }
    let reading = try measure(wrk, base: base, script: script, connections: connections, seconds: seconds)
    let (status, ended) = await syncing.value
    guard status == 0 else { throw BenchError("the sync under load failed: \(sync.stderr)") }
    return (reading, ended.timeIntervalSince(started))
  }

  static func measure(_ wrk: String, base: String, script: URL, connections: Int = connections, seconds: Int)
    throws -> Reading
  {
    let child = try ChildProcess(
      wrk,
      [
        "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "--timeout", "10s", "-s", script.path,
        base + paths[0],
      ])
    guard child.wait(timeout: Double(seconds) + 60) == 0 else {
      throw BenchError("wrk failed: \(child.stderr)")
    }
    return try parse(child.stdout)
  }

  /// The figures of `wrk --latency`'s report: its percentiles, its rate, and the responses it
  /// counted as errors (not 2xx or 3xx, or no answer).
  static func parse(_ report: String) throws -> Reading {
    let lines = report.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    func percentile(_ name: String) throws -> Double {
      guard let line = lines.first(where: { $0.hasPrefix(name + " ") }),
        let value = line.split(separator: " ", omittingEmptySubsequences: true).last.flatMap(millis)
      else { throw BenchError("wrk printed no \(name) latency:\n\(report)") }
      return value
    }
    func number(after prefix: String) -> Double? {
      lines.first { $0.hasPrefix(prefix) }.flatMap {
        Double($0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces))
      }
    }
    guard let rate = number(after: "Requests/sec:") else {
      throw BenchError("wrk printed no rate:\n\(report)")
    }
    let non2xx = Int(number(after: "Non-2xx or 3xx responses:") ?? 0)
    let socketErrors =
      lines.first { $0.hasPrefix("Socket errors:") }.map { line in
        line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +)
      } ?? 0
    return Reading(
      p50: try percentile("50%"), p99: try percentile("99%"), requestsPerSecond: rate,
      failures: non2xx + socketErrors)
  }

  /// `12.34ms`, `1.20s`, `850.00us` in milliseconds.
  static func millis(_ text: Substring) -> Double? {
    for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)]
    where text.hasSuffix(suffix) {
      return Double(text.dropLast(suffix.count)).map { $0 * factor }
    }
    return nil
  }

  /// The Lua that makes `wrk` send the token, take the pages in turn, and pause between requests.
  static func script(token: String, pauseMillis: Int = pauseMillis) -> String {
    """
    local paths = { \(paths.map { "\"\($0)\"" }.joined(separator: ", ")) }
    local turn = 0
    wrk.headers["Authorization"] = "Bearer \(token)"
    request = function()
      turn = turn + 1
      return wrk.format("GET", paths[(turn % #paths) + 1])
    end
    delay = function() return \(pauseMillis) end
    """
  }

  static func wrk() throws -> String {
    for folder in ["/usr/bin", "/usr/local/bin"]
    where FileManager.default.isExecutableFile(atPath: folder + "/wrk") {
      return folder + "/wrk"
    }
    throw BenchError("B10 and B13 need wrk: install it with 'apt-get install wrk' (Debian's package)")
  }

  static func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
  }
}
