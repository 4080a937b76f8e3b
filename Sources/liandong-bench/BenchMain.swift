import Foundation

/// `liandong-bench`: runs each scenario, measures its reference in the same run on the same
/// machine, and prints scenario, our figure, reference, ratio, goal and pass/fail. Absolute
/// figures on shared machines are noisy; the ratios are what to compare. See BENCHMARKS.md.
///
///     swift run -c release liandong-bench [tls] [--bytes N] [--json FILE]
@main
struct BenchMain {
  static func main() async {
    var arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        """
        usage: liandong-bench [SCENARIO...] [--bytes N] [--json FILE]

        Scenarios:
          tls   N bytes (default 1 GiB) through our OpenSSL TLS handler over loopback, beside
                openssl s_server <- openssl s_client moving the same bytes. Goal: ratio >= 0.7.

        Options:
          --bytes N     bytes to move (suffixes K, M, G: powers of 1024)
          --json FILE   also write the table as JSON
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
    let scenarios = arguments.isEmpty ? ["tls"] : arguments
    var rows: [BenchRow] = []
    do {
      let workspace = try BenchWorkspace()
      defer { workspace.remove() }
      for scenario in scenarios {
        switch scenario {
        case "tls": rows.append(try await TLSThroughput(workspace: workspace, bytes: bytes).run())
        default: fail("unknown scenario '\(scenario)'; run with --help for the list")
        }
      }
    } catch {
      fail("\(error)")
    }
    BenchRow.printTable(rows)
    if let jsonPath {
      do { try BenchRow.writeJSON(rows, to: jsonPath) } catch { fail("cannot write \(jsonPath): \(error)") }
    }
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
