import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTesting
import Testing

/// Issue 8's deterministic simulation: many seeded runs of `SimulationRun`, in batches that each
/// print one line of figures. `scripts/simulate` runs any number of seeds, or one, and sums the
/// lines; the test command runs 2,000 of them.
@Suite("Deterministic simulation")
struct SimulationTests {
  static let firstSeed: UInt64 = 0x51A0_0000
  static let batchSize: UInt64 = 25

  /// LIANDONG_SIM_SEED=S replays one seed; LIANDONG_SIM_SEEDS=N runs N (default 50, so that a
  /// plain `swift test` stays quick), from LIANDONG_SIM_FIRST_SEED when given.
  static var batches: [ClosedRange<UInt64>] {
    let environment = ProcessInfo.processInfo.environment
    if let text = environment["LIANDONG_SIM_SEED"], let seed = UInt64(text) { return [seed...seed] }
    let count = UInt64(environment["LIANDONG_SIM_SEEDS"] ?? "") ?? 50
    let first = UInt64(environment["LIANDONG_SIM_FIRST_SEED"] ?? "") ?? firstSeed
    return stride(from: 0, to: count, by: Int(batchSize)).map {
      first + $0...first + min($0 + batchSize, count) - 1
    }
  }

  /// A seed replays only if the federation's certificates and CRLs carry the same instants in
  /// every run: the runs read the revocation time from the CRL. Under a clock that ran on while
  /// `openssl` worked, a loaded machine stamped a second later and replayed seeds differently.
  @Test("the simulation's federation carries the instants it was made at, on a loaded machine too")
  func federationInstantsAreExact() throws {
    let revokedAt: UInt64 = 1_736_467_208_000  // 2025-01-10T00:00:08Z
    #expect(TestFederation.simulationRevocationMillis == revokedAt)
    #expect(TestFederation.simulationRotationRevokedMillis == revokedAt)
    let madeAt = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01T00:00:00Z
    for node in 0..<5 { #expect(try TestFederation.simulation.chain("n\(node)")[0].notBefore == madeAt) }
  }

  @Test(
    "partitions, lost, duplicated and overtaken frames, crashes, clock jumps and forks: nothing acknowledged is lost, nothing leaves its audience, forks are found, and the healed nodes agree",
    arguments: batches)
  func simulate(seeds: ClosedRange<UInt64>) async throws {
    var total = SimulationFigures()
    // LIANDONG_SIM_POSTGRES=1 (`scripts/simulate --postgres`): n0 of every run on a real
    // PostgreSQL, a database of its own per run.
    let postgres =
      ProcessInfo.processInfo.environment["LIANDONG_SIM_POSTGRES"] == "1" ? try await PostgreSQLServer() : nil
    defer { postgres?.stop() }
    for seed in seeds {
      let replay =
        "seed \(seed) (replay: scripts/simulate --seed \(seed)\(postgres == nil ? "" : " --postgres"))"
      do {
        let hub = postgres.map { server in
          { (node: NodeID) throws -> any NodeStorage in
            try server.createDatabase("sim\(seed)")
            return try PostgresStore(url: server.url(database: "sim\(seed)"), node: node)
          }
        }
        let run = try SimulationRun(seed: seed, hub: hub)
        try run.run()
        var figures = run.figures
        if !run.violations.isEmpty {
          figures.failedRuns = 1
          Issue.record("\(replay):\n\(run.violations.joined(separator: "\n"))")
        }
        total = total + figures
      } catch {
        total.failedRuns += 1
        Issue.record("\(replay): \(error)")
      }
    }
    print("simulation seeds \(seeds.lowerBound)...\(seeds.upperBound): \(total.line)")
  }
}
