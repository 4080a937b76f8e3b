import Foundation
import LiandongTesting
import Testing

/// Real-process fault runs (issue 8): three `liandong serve` processes on loopback, each syncing
/// with the other two every 0.3 s, with wall clocks set apart by `faketime`, while officers write
/// leads on all three and the run kills nodes with SIGKILL and freezes them with SIGSTOP at
/// seeded random moments. After every kill the restarted node holds everything its peers' logs
/// say it acknowledged, and every lead whose `lead add` succeeded. At the end the nodes converge:
/// equal vectors and digests, every lead everywhere, `verify` and `PRAGMA integrity_check` pass.
///
/// `scripts/fault-run --kills N [--seed S]` runs it at length and prints figures; the test
/// command runs a short version (LIANDONG_FAULT_KILLS, default 12).
@Suite("Real-process fault runs", .serialized)
struct FaultRunTests {
  static var kills: Int { Int(ProcessInfo.processInfo.environment["LIANDONG_FAULT_KILLS"] ?? "") ?? 12 }

  /// Each node's wall clock, as `faketime` offsets: apart by up to 4 minutes, inside the
  /// 5-minute drift a node accepts (beyond it, changes wait until the clocks agree: by design).
  static let clocks = ["jjj": "-150s", "yrd": "+0s", "prd": "+90s"]

  /// `faketime`'s absolute form, in UTC (TestFederation runs it with TZ=UTC).
  static func faketimeStamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: date)
  }

  @Test("SIGKILL, SIGSTOP and skewed clocks on three serving nodes lose nothing acknowledged or written")
  func faultRun() async throws {
    let seed =
      UInt64(ProcessInfo.processInfo.environment["LIANDONG_SEED"] ?? "")
      ?? UInt64(Date().timeIntervalSince1970)
    var random = SeededGenerator(seed: seed)
    let context = "seed \(seed) (replay the choices with LIANDONG_SEED=\(seed)), \(Self.kills) kills"
    let names = ["jjj", "yrd", "prd"]
    // Certificates made ten minutes ago, so that the node whose clock is behind finds them valid.
    let tenMinutesAgo = Date().addingTimeInterval(-600)
    let federation = try TestFederation(label: "fault-run", madeOn: Self.faketimeStamp(tenMinutesAgo))
    for name in names { try federation.issue(name) }
    var nodes: [String: NodeProcess] = [:]
    var ports: [String: Int] = [:]
    for name in names {
      nodes[name] = try await NodeProcess(name, federation: federation)
      nodes[name]!.clockOffset = Self.clocks[name]
      ports[name] = try freePort()
    }
    for name in names {
      for other in names where other != name {
        try await nodes[name]!.cli("peer", "add", other, "127.0.0.1:\(ports[other]!)")
      }
    }
    var logs: [String: [String]] = [:]  // each node's logs of earlier lives
    func start(_ name: String) async throws {
      try await nodes[name]!.serve(interval: 0.3, port: ports[name]!)
    }
    func allLogs(except name: String) -> [String] {
      names.filter { $0 != name }.flatMap { (logs[$0] ?? []) + [nodes[$0]!.log] }
    }
    for name in names { try await start(name) }

    var written: [String: [String]] = [:]  // leads whose `lead add` exited 0, by node
    var kills = 0
    var stops = 0
    var writeFailures = 0
    var checks = 0
    var acknowledgedChanges: UInt64 = 0  // summed over the checks: what the checks had to find
    let started = Date()
    while kills < Self.kills {
      // Officers write on two random nodes (a frozen node's writer simply waits on the lock).
      for _ in 0..<2 {
        let name = names.randomElement(using: &random)!
        let result = try await nodes[name]!.cli(
          "lead", "add", "--subject-name", "检测服务店\(written[name, default: []].count)", "--violation",
          "forged-report", "--summary", "fault run", "--to", "all")
        if result.status == 0 {
          written[name, default: []].append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        } else {
          writeFailures += 1
        }
      }
      try await Task.sleep(for: .milliseconds(Int.random(in: 50...600, using: &random)))
      let victim = names.randomElement(using: &random)!
      let node = nodes[victim]!
      if Int.random(in: 0..<4, using: &random) == 0 {
        // A pause: the node's sessions stall mid-frame; its peers time out or wait.
        let pid = try #require(node.servingPID)
        kill(pid, SIGSTOP)
        try await Task.sleep(for: .milliseconds(Int.random(in: 200...2500, using: &random)))
        kill(pid, SIGCONT)
        stops += 1
        continue
      }
      let server = try #require(node.server)
      kill(try #require(node.servingPID), SIGKILL)
      await server.wait(timeout: 30)
      kills += 1
      logs[victim, default: []].append(node.log)
      // What the peers saw it acknowledge, and what its own officers wrote, must have survived.
      let vector = try await node.status()["versionVector"] as? [String: Int] ?? [:]
      for origin in names {
        let acknowledged = SyncCrashTests.acknowledged(
          in: allLogs(except: victim), peer: victim, origin: origin)
        #expect(
          UInt64(vector[origin] ?? 0) >= acknowledged,
          "\(context), kill \(kills): \(victim) holds \(origin)#\(vector[origin] ?? 0) but acknowledged \(origin)#\(acknowledged)"
        )
        checks += 1
        acknowledgedChanges += acknowledged
      }
      let own = 1 + written[victim, default: []].count
      #expect(
        (vector[victim] ?? 0) >= own, "\(context), kill \(kills): \(victim) lost its own writes: \(vector)")
      #expect(try SyncCrashTests.integrityCheck(node) == "ok", "\(context), kill \(kills)")
      try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &random)))
      try await start(victim)
    }
    let faulted = Date()
    // Writes run between faults, never against a frozen node: none should have failed.
    #expect(writeFailures == 0, "\(context): \(writeFailures) lead add commands failed")

    // Quiet: the nodes converge on their own schedule.
    let expectedLeads = written.values.reduce(0) { $0 + $1.count }
    func vectors() async throws -> [[String: Int]] {
      try await names.asyncMap { try await nodes[$0]!.status()["versionVector"] as? [String: Int] ?? [:] }
    }
    let converged = try await eventually(120) {
      let all = try await vectors()
      return Set(all).count == 1 && all[0].values.reduce(0, +) == names.count + expectedLeads
    }
    let finalVectors = try await vectors()
    #expect(converged, "\(context): vectors \(finalVectors), \(expectedLeads) leads written")
    let digests = try await Set(
      names.asyncMap { try await nodes[$0]!.status()["projectionDigest"] as? String ?? "" })
    #expect(digests.count == 1, "\(context): digests \(digests)")
    for name in names {
      let node = nodes[name]!
      #expect(try await node.cli("verify").status == 0, "\(context): verify on \(name)")
      #expect(try SyncCrashTests.integrityCheck(node) == "ok", "\(context): integrity of \(name)")
      let listed = try await node.cli("lead", "list", "--json").stdout
      for lead in written.values.joined() {
        #expect(listed.contains(lead), "\(context): \(name) lacks lead \(lead)")
      }
    }
    for name in names { _ = nodes[name]!.stop() }
    print(
      "fault run: \(context): \(kills) SIGKILLs and \(stops) SIGSTOP pauses on 3 nodes with clocks "
        + "\(Self.clocks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); "
        + "\(expectedLeads) leads written (\(writeFailures) writes refused), \(checks) acknowledgement checks "
        + "covering \(acknowledgedChanges) acknowledged changes, "
        + "nothing acknowledged or written lost; "
        + String(
          format: "faults %.0f s, convergence and checks %.0f s", faulted.timeIntervalSince(started),
          Date().timeIntervalSince(faulted)))
  }
}
