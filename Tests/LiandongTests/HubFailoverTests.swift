import Foundation
import LiandongCore
import LiandongErrors
import Testing

@testable import LiandongStore

/// A hub's PostgreSQL primary dies while officers write: Patroni promotes the synchronous
/// standby, HAProxy routes to it, and the store goes on through the same URL. Prints its figures;
/// `LIANDONG_FAILOVER_KILLS=N` kills the primary N times, alternating members (the test command
/// kills it once).
@Suite("Hub failover: Patroni, etcd and HAProxy on loopback", .serialized)
struct HubFailoverTests {
  @Test(
    "the primary killed while officers write: nothing acknowledged is lost, writes resume within 30 s, the old primary rejoins"
  )
  func primaryKilled() async throws {
    let kills = ProcessInfo.processInfo.environment["LIANDONG_FAILOVER_KILLS"].flatMap(Int.init) ?? 1
    let cluster = try await PatroniCluster()
    defer { cluster.stop() }
    try cluster.psql("CREATE DATABASE hub ENCODING 'UTF8' TEMPLATE template0", port: cluster.haproxyPort)
    let store = try PostgresStore(url: cluster.url(database: "hub"))
    let writers = OfficerWriters(store: store, threads: 4)
    defer { writers.stop() }
    for round in 1...kills {
      let before = writers.acknowledged.count
      #expect(await eventually(30) { writers.acknowledged.count >= before + 40 }, "writes go on")
      guard let leader = cluster.leader else {
        Issue.record("no member leads")
        return
      }
      // Killed only once the other member is the synchronous standby: until then, a commit
      // is acknowledged before any standby has it.
      #expect(
        await eventually(60) { cluster.role(of: 1 - leader) == "sync_standby" },
        "pg\(2 - leader) became the synchronous standby")
      let killedAt = Date()
      cluster.kill9(leader)
      let resumed = await eventually(60) { writers.resumed(after: killedAt) != nil }
      let downtime = writers.resumed(after: killedAt).map { $0.timeIntervalSince(killedAt) }
      #expect(resumed, "writes resumed after the primary was killed")
      #expect((downtime ?? .infinity) < 30, "writes resumed \(downtime ?? -1) s after the kill")
      let successor = cluster.leader
      try cluster.startMember(leader)
      let rejoinStart = Date()
      let rejoined = await eventually(90) {
        cluster.role(of: leader) == "sync_standby"
      }
      #expect(rejoined, "the old primary rejoined as the synchronous standby")
      print(
        "failover round \(round): pg\(leader + 1) killed; writes resumed after "
          + String(format: "%.1f", downtime ?? -1) + " s through pg\((successor ?? -1) + 1); "
          + "the old primary rejoined as \(cluster.role(of: leader) ?? "nothing") after "
          + String(format: "%.1f", Date().timeIntervalSince(rejoinStart)) + " s")
    }
    writers.stop()
    // Nothing acknowledged is lost: the synchronous standby had every commit before it was
    // acknowledged.
    let held = Set(try store.accounts().map(\.name))
    let acknowledged = writers.acknowledged
    let lost = acknowledged.subtracting(held)
    #expect(lost.isEmpty, "acknowledged and lost: \(lost.sorted().prefix(20))")
    // What an officer was told meanwhile: the store cannot be reached, or is a standby; try again.
    let codes = writers.errorCodes
    #expect(
      codes.isSubset(of: ["store.postgres-unreachable", "store.postgres-standby", "store.busy"]),
      "errors during the failover: \(codes)")
    // Every member holds the same accounts once the cluster settles.
    for member in 0..<2 {
      let caughtUp = await eventually(60) {
        (try? cluster.psql("SELECT count(*) FROM accounts", port: cluster.pgPort(of: member), database: "hub"))
          == "\(held.count)"
      }
      #expect(caughtUp, "pg\(member + 1) holds every account")
    }
    print(
      "failover: \(acknowledged.count) writes acknowledged, \(lost.count) lost, "
        + "\(writers.failures) attempts refused during \(kills) failover(s) (\(codes.sorted().joined(separator: ", ")))"
    )
  }
}

/// Officers writing through the hub's store, each on a thread of its own, as fast as it answers.
/// A write whose answer was lost (an error) is tried again with the same name until it is
/// known: added, or found already there (it had committed).
final class OfficerWriters: @unchecked Sendable {
  private let lock = NSLock()
  private var stopped = false
  private var names: Set<String> = []
  private var acknowledgedAt: [(begun: Date, at: Date)] = []
  private var codes: Set<String> = []
  private var refused = 0
  private var failedAt: [Date] = []
  private let done = DispatchGroup()

  init(store: PostgresStore, threads: Int) {
    for thread in 0..<threads {
      done.enter()
      Thread.detachNewThread { [self] in
        defer { done.leave() }
        var number = 0
        while !lock.withLock({ stopped }) {
          number += 1
          let name = "officer-\(thread)-\(number)"
          while !lock.withLock({ stopped }) {
            let begun = Date()
            do {
              _ = try store.addAccount(name, role: .officer, at: begun)
              lock.withLock {
                names.insert(name)
                acknowledgedAt.append((begun, Date()))
              }
              break
            } catch {
              lock.withLock {
                refused += 1
                failedAt.append(Date())
                codes.insert((error as? any CodedError)?.code ?? "uncoded: \(error)")
              }
              usleep(50_000)
            }
          }
        }
      }
    }
  }

  var acknowledged: Set<String> { lock.withLock { names } }
  var errorCodes: Set<String> { lock.withLock { codes } }
  var failures: Int { lock.withLock { refused } }

  /// When writes were acknowledged again after a failure that followed `instant`: a write begun
  /// after the kill may still have been committed by the dying primary.
  func resumed(after instant: Date) -> Date? {
    lock.withLock {
      guard let failed = failedAt.filter({ $0 > instant }).min() else { return nil }
      return acknowledgedAt.filter { $0.begun > failed }.map(\.at).min()
    }
  }

  func stop() {
    lock.withLock { stopped = true }
    done.wait()
  }
}
