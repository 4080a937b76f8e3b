import Foundation
import LiandongCore
import LiandongStore
import LiandongTesting

/// A node in the workspace, driven through the `liandong` binary built beside this program.
struct BenchNode {
  let name: String
  let data: URL
  let workspace: BenchWorkspace

  /// `copy` tells apart two data folders of one identity (a node, then its fresh replacement);
  /// `initOptions` go to `init` (`--store` for a hub on PostgreSQL).
  init(_ name: String, workspace: BenchWorkspace, copy: Int = 0, initOptions: [String] = []) throws {
    self.name = name
    self.workspace = workspace
    guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
      throw BenchError("\(Self.binary) not found: build everything first with 'swift build -c release'")
    }
    data = workspace.directory.appendingPathComponent("data-\(name)-\(copy)")
    let tls = workspace.path("nodes/\(name).tls")
    let transport =
      FileManager.default.fileExists(atPath: tls + ".pem")
      ? ["--tls-cert", tls + ".pem", "--tls-key", tls + ".key"] : []
    try cli(
      [
        "init", "--node", name, "--ca", workspace.path("ca.pem"), "--crl", workspace.path("crl.pem"),
        "--cert",
        workspace.path("nodes/\(name).pem"), "--key", workspace.path("nodes/\(name).key"),
      ] + transport + initOptions)
  }

  /// The `liandong` executable next to this one (`swift build` puts every product in one folder).
  static var binary: String {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    return here.deletingLastPathComponent().appendingPathComponent("liandong").path
  }

  /// Runs a command on this node; returns stdout, or throws with stderr if it failed.
  @discardableResult
  func cli(_ arguments: [String], timeout: Double = 3600) throws -> String {
    try finished(arguments, timeout: timeout).stdout
  }

  /// Runs a command on this node to its end; throws with stderr if it failed.
  func finished(_ arguments: [String], timeout: Double = 3600) throws -> ChildProcess {
    let child = try ChildProcess(Self.binary, arguments + ["--data", data.path])
    let status = child.wait(timeout: timeout)
    guard status == 0 else {
      throw BenchError(
        "liandong \(arguments.prefix(2).joined(separator: " ")) on \(name) exited \(status): \(child.stderr)")
    }
    return child
  }

  /// `liandong serve` on a free loopback port; returns the process and the port.
  func serve() async throws -> (ChildProcess, Int) {
    let (child, port, _) = try await serving([])
    return (child, port)
  }

  /// `liandong serve` with its HTTP API too, both on free loopback ports (the API as plain HTTP,
  /// which loopback allows); returns the process, the sync port and the API's base URL.
  func serveAPI() async throws -> (ChildProcess, Int, String) {
    let (child, port, lines) = try await serving(["--api", "127.0.0.1:0", "--api-plain-http"])
    let prefix = "serving the API of node \(name) on "
    guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else {
      child.signal(SIGTERM)
      throw BenchError("\(name) did not serve its API: \(child.stderr)")
    }
    return (child, port, String(line.dropFirst(prefix.count)))
  }

  private func serving(_ extra: [String]) async throws -> (ChildProcess, Int, [String]) {
    let child = try ChildProcess(
      Self.binary, ["serve", "--data", data.path, "--listen", "127.0.0.1:0", "--interval", "3600"] + extra)
    let api = extra.isEmpty ? [] : ["serving the API of node \(name) on "]
    guard await child.waitForOutput(["serving node \(name) on 127.0.0.1:"] + api, timeout: 120),
      case let lines = child.stdout.split(separator: "\n").map(String.init),
      let line = lines.first(where: { $0.hasPrefix("serving node") }),
      let port = Int(line.split(separator: ":").last ?? "")
    else {
      child.signal(SIGTERM)
      throw BenchError("\(name) did not start serving: \(child.stderr)")
    }
    return (child, port, lines)
  }

  /// One-shot sync with `peer`: the session's own summary (seconds after the handshake, bytes),
  /// its wall time, and the sync process's peak resident set.
  func sync(with peer: String, port: Int) throws -> (
    seconds: Double, wall: Double, bytesSent: Int, bytesReceived: Int, peakResidentKiB: Int
  ) {
    _ = try? cli(["peer", "remove", peer])
    try cli(["peer", "add", peer, "127.0.0.1:\(port)"])
    let started = Date()
    let child = try finished(["sync", peer, "--json"])
    let wall = Date().timeIntervalSince(started)
    let output = child.stdout
    guard let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
      let synced = (report["synced"] as? [[String: Any]])?.first
    else { throw BenchError("sync printed no summary: \(output)") }
    return (
      synced["seconds"] as? Double ?? 0, wall, synced["bytesSent"] as? Int ?? 0,
      synced["bytesReceived"] as? Int ?? 0, child.peakResidentKiB ?? 0
    )
  }

  /// `count` leads, one per change, written in-process 1,000 changes per transaction (writing is
  /// not what the scenarios measure).
  func writeLeads(_ count: Int, progress: ((Int) -> Void)? = nil) throws {
    let home = try NodeHome.open(data)
    var written = 0
    while written < count {
      let batch = min(1000, count - written)
      _ = try home.recordEach(
        (0..<batch).map { index in
          [
            DomainOperation(
              objectID: ObjectID(),
              action: .createLead(
                LeadFields(
                  violations: [.forgedReport], subjectIDs: [],
                  summary: "\(name): shop \(written + index) sells one-day inspection reports")))
          ]
        }, audience: .all, officer: "bench")
      written += batch
      progress?(written)
    }
  }

  func changeCount() throws -> Int {
    guard
      let status = try JSONSerialization.jsonObject(with: Data(try cli(["status", "--json"]).utf8))
        as? [String: Any]
    else { return 0 }
    return status["changes"] as? Int ?? 0
  }
}

extension ChildProcess {
  /// Ends a `liandong serve` the way an operator does (SIGTERM), and waits for it to stop.
  func stopServing() {
    signal(SIGTERM)
    _ = wait(timeout: 60)
  }
}
