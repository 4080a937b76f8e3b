import Foundation

/// `liandong-bench`: runs each scenario, measures its reference in the same run on the same
/// machine, and prints scenario, our figure, reference, ratio, goal and pass/fail. Absolute
/// figures on shared machines are noisy; the ratios are what to compare. See BENCHMARKS.md.
///
///     swift run -c release liandong-bench [b1 b2 b3 b6 b7 b8 b9 b10 b11 b12 tls] [--bytes N] [--scale F] [--repeat N] [--json FILE]
@main
struct BenchMain {
  static func main() async {
    var arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        """
        usage: liandong-bench [SCENARIO...] [--bytes N] [--scale F] [--repeat N] [--json FILE]

        Scenarios (default: all):
          b1    100,000 leads, one per change, synced to an empty node by 'liandong sync' over
                mutual TLS, beside OpenSSL's verify rate for the nodes' key type on one core
                (goal: ratio >= 1.0); then b4: a sync when nothing is new (goal: < 50 ms after
                the handshake, < 4 KB each way).
          b1-sm b1 in a federation on SM2/SM3, beside 'openssl speed sm2' verify on one core
                (goal: >= 1.0: verification on every core). Not in the default set.
          b2    200,000 leads by 'liandong lead import', then synced to an empty node, beside the
                same rows inserted into bare SQLite tables in one transaction (goal: >= 0.5).
          b3    an evidence file of N bytes (default 1 GiB) from node to node by 'liandong sync',
                beside openssl s_server <- s_client moving the same bytes (goal: >= 0.7), and each
                node's peak memory above its idle size (goal: < 64 MiB).
          b5    an empty node catches up with 1,000,000 changes in one sync (goal: peak memory
                under 200 MB on both sides), then b4 at that size. Long: not in the default set.
          b6    seven nodes in a line writing 1,000 changes each while the middle link is cut,
                then healed: rounds of 'sync --all' until all hold everything (goal: <= 2 per hop).
          b7    'liandong evidence add' of an N-byte file (default 1 GiB), beside openssl dgst
                -sha256 of it, cp of it and sync of the copy; medians of three alternated runs
                (goal: >= 0.8).
          b8    b1 at 10,000 changes: a small sync as a user runs it, its process start and
                handshake included, beside the same verify rate (goal: ratio >= 1.0).
          b9    the first page of 'lead list' under each kind of filter and text search, at
                100,000 leads and at 1,000,000 (imported by 'liandong lead import'), in-process
                (goal: the time at 1,000,000 at most 1.5 times the time at 100,000).
          b10   the first pages of filtered lead lists through the HTTP API, asked by wrk (Debian's
                package) at about 200 requests/s on a node of 1,000,000 leads, idle and then while
                it ingests a sync of 100,000 more (goal: p99 < 50 ms in both). Long: not in the
                default set.
          b11   10,000 one-lead changes ingested, 500 to a transaction, into a hub's store on
                PostgreSQL (a server started here by initdb: Debian's postgresql), beside the
                SQLite store ingesting the same batches (goal: ratio >= 0.8, as issue 29 sets for
                B1 and B2 on a hub). Not in the default set.
          b12   b1's sync and b2's import with the receiving node a hub on PostgreSQL (init
                --store; a server started here), each beside the same on a node on SQLite in the
                same run (goal: ratio >= 0.8); then the same on the cluster of Deploy/hub (Patroni
                and etcd, a primary with a synchronous standby, HAProxy in front; skipped with a
                message when they are not installed). Not in the default set.
          tls   N bytes (default 1 GiB) through our OpenSSL TLS handler over loopback, beside
                openssl s_server <- openssl s_client moving the same bytes. Goal: ratio >= 0.7.

        Options:
          --bytes N     bytes to move (suffixes K, M, G: powers of 1024)
          --scale F     multiply the counts of b1, b2, b5, b6, b8, b9, b10, b11 and b12 (e.g. 0.1 for a quick run)
          --repeat N    run the scenarios N times (default 1), printing each run's table, then
                        each ratio's minimum, median and maximum; a goal counts as met when
                        the median meets it (BENCHMARKS.md reports three default runs)
          --json FILE   also write the table as JSON (with --repeat: every run and the summary)
        """)
      return
    }
    func option(_ name: String) -> String? {
      guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
      let value = arguments[index + 1]
      arguments.removeSubrange(index...index + 1)
      return value
    }
    let jsonPath = option("--json")
    let bytesText = option("--bytes") ?? "1G"
    guard let bytes = parseSize(bytesText), bytes > 0 else {
      fail("--bytes \(bytesText) is not a size: use a number with an optional K, M or G suffix")
    }
    let scaleText = option("--scale") ?? "1"
    guard let scale = Double(scaleText), scale > 0 else {
      fail("--scale \(scaleText) is not a positive number")
    }
    let repeatText = option("--repeat") ?? "1"
    guard let repeats = Int(repeatText), (1...100).contains(repeats) else {
      fail("--repeat \(repeatText) is not a number of runs from 1 to 100")
    }
    let scenarios = arguments.isEmpty ? ["b1", "b2", "b3", "b6", "b7", "b8", "b9", "tls"] : arguments
    for scenario in scenarios where !known.contains(scenario) {
      fail("unknown scenario '\(scenario)'; run with --help for the list")
    }
    var runs: [[BenchRow]] = []
    for run in 1...repeats {
      if repeats > 1 { log("run \(run) of \(repeats)") }
      do {
        runs.append(try await self.run(scenarios, bytes: bytes, scale: scale))
      } catch {
        fail("\(error)")
      }
      BenchRow.printTable(runs[runs.count - 1])
    }
    let summary = repeats > 1 ? BenchSummary(runs: runs) : nil
    summary?.printTable()
    if let jsonPath {
      do {
        if let summary {
          try BenchRow.writeJSON(runs, summary: summary, to: jsonPath)
        } else {
          try BenchRow.writeJSON(runs[0], to: jsonPath)
        }
      } catch {
        fail("cannot write \(jsonPath): \(error)")
      }
    }
  }

  static let known: Set<String> = [
    "tls", "b1", "b4", "b2", "b3", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b1-sm",
  ]

  /// One run of `scenarios`, each measured beside its reference, in a workspace of its own.
  static func run(_ scenarios: [String], bytes: Int, scale: Double) async throws -> [BenchRow] {
    var rows: [BenchRow] = []
    let workspace = try BenchWorkspace()
    defer { workspace.remove() }
    for scenario in scenarios {
      switch scenario {
      case "tls": rows.append(try await TLSThroughput(workspace: workspace, bytes: bytes).run())
      case "b1", "b4": rows += try await SyncScenarios(workspace: workspace, scale: scale).b1AndB4()
      case "b2": rows.append(try await SyncScenarios(workspace: workspace, scale: scale).b2())
      case "b3": rows += try await EvidenceTransfer(workspace: workspace, bytes: bytes).run()
      case "b5":
        rows += try await CatchUp(workspace: workspace, count: max(1000, Int(1_000_000 * scale))).run()
      case "b6":
        rows += try await LinePartition(workspace: workspace, changesPerNode: max(10, Int(1000 * scale)))
          .run()
      case "b7": rows += try EvidenceAdd(workspace: workspace, bytes: bytes).run()
      case "b8":
        rows += try await SyncScenarios(workspace: workspace, scale: scale / 10).b1AndB4(label: "B8", copy: 8)
          .prefix(1)
      case "b9": rows += try LeadPageScaling(workspace: workspace, scale: scale).run()
      case "b10": rows += try await APIUnderLoad(workspace: workspace, scale: scale).run()
      case "b11": rows += try await HubIngest(workspace: workspace, scale: scale).run()
      case "b12": rows += try await HubSync(workspace: workspace, scale: scale).run()
      case "b1-sm":
        let national = try BenchWorkspace(caKey: "sm2")
        defer { national.remove() }
        rows += try await SyncScenarios(workspace: national, scale: scale).b1AndB4(label: "B1 (sm)").prefix(1)
      default: fail("unknown scenario '\(scenario)'; run with --help for the list")
      }
    }
    return rows
  }

  static func parseSize(_ text: String) -> Int? {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let last = text.last?.uppercased().first, let unit = units[last] {
      return Int(text.dropLast()).map { $0 * unit }
    }
    return Int(text)
  }

  static func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("liandong-bench: \(message)\n".utf8))
    exit(1)
  }
}
