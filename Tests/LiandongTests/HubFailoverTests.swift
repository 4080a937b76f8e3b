import Foundation
import LiandongCore
import LiandongErrors
import LiandongTesting
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
    // The hub is n3 of the shared test federation; n0-n2 are its peers.
    let hub = try SimulatedNode("n3")
    let store = try PostgresStore(url: cluster.url(database: "hub"), node: hub.id)
    let writers = WriteLedger.officerAccounts(store: store, threads: 4)
    defer { writers.stop() }
    // Beside the accounts, the change log: a peer's changes arriving by sync, and the hub's own
    // officers' acts signed by the hub, through the same URL.
    let peers = try PostgresChangeLogTests.federation(seed: replayableSeed("HubFailoverTests"), acts: 120)
    _ = try store.ingest(
      try hub.store.changes(after: [:]), verifier: hub.verifier, physicalMillis: Date().unixMillis)
    let log = LogWriters(store: store, peer: peers[0], hub: hub)
    defer { log.stop() }
    for number in 1...kills {
      let before = writers.acknowledged.count
      #expect(await eventually(30) { writers.acknowledged.count >= before + 40 }, "writes go on")
      guard let round = try await cluster.failOver(under: writers) else { return }
      let downtime = String(format: "%.1f", round.downtime ?? -1)
      let rejoin = String(format: "%.1f", round.rejoin)
      let rejoinedAs = cluster.role(of: round.killed) ?? "nothing"
      print(
        "failover round \(number): pg\(round.killed + 1) killed; writes resumed after \(downtime) s "
          + "through pg\((round.successor ?? -1) + 1); the old primary rejoined as \(rejoinedAs) after \(rejoin) s"
      )
    }
    writers.stop()
    #expect(await eventually(60) { log.synced }, "the peer's changes were all taken")
    log.stop()
    // Nothing acknowledged is lost from the log either: every batch a sync was told was stored
    // is there (a lost one would have left a gap, and the next batch would have been refused),
    // the hub's chain has every act it acknowledged, and what was received folds as on SQLite.
    #expect(log.problems.isEmpty, "\(log.problems.prefix(5))")
    #expect(!log.errorCodes.isEmpty, "the log's writers wrote through the failover")
    let peerVector = try peers[0].store.versionVector()
    let hubVector = try store.versionVector()
    #expect(peerVector.allSatisfy { hubVector[$0.key] == $0.value })
    let acts = log.acknowledgedActs
    #expect(!acts.isEmpty && hubVector[hub.id] ?? 0 >= UInt64(acts.count + 1))
    let kept = Set(try store.bodies(of: acts).map(\.id))
    #expect(kept == Set(acts), "acknowledged acts lost: \(Set(acts).subtracting(kept).count)")
    print("failover: \(log.batches) sync batches and \(acts.count) local acts acknowledged")
    // Nothing acknowledged is lost: the synchronous standby had every commit before it was
    // acknowledged.
    let held = Set(try store.accounts().map(\.name))
    let acknowledged = writers.acknowledged
    let lost = acknowledged.subtracting(held)
    #expect(lost.isEmpty, "acknowledged and lost: \(lost.sorted().prefix(20))")
    // What an officer was told meanwhile: the store cannot be reached, or is a standby; try again.
    let codes = writers.errorCodes.union(log.errorCodes)
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

extension WriteLedger {
  /// Officers writing accounts through the hub's store, each on a thread of its own, as fast as
  /// it answers. A write whose answer was lost (an error) is tried again with the same name until
  /// it is known: added, or found already there (it had committed).
  static func officerAccounts(store: PostgresStore, threads: Int) -> WriteLedger {
    writers(threads: threads, pause: 50_000) { ledger, thread, number in
      let name = "officer-\(thread)-\(number)"
      let begun = Date()
      do {
        _ = try store.addAccount(name, role: .officer, at: begun)
        ledger.acknowledge(name, begun: begun)
        return true
      } catch {
        ledger.refuse(code: (error as? any CodedError)?.code ?? "uncoded: \(error)")
        return false
      }
    }
  }
}

/// The change log written through the hub's store during a failover: a peer's changes by sync,
/// two at a time every 150 ms (so that the stream spans the failover), and the hub's own acts,
/// one every 50 ms until stopped. A batch whose answer was lost is offered again (what was
/// committed comes back as duplicates); an act whose answer was lost is not known to be kept.
final class LogWriters: @unchecked Sendable {
  private let lock = NSLock()
  private var stopped = false
  private let done = DispatchGroup()
  private var acts: [ChangeID] = []
  private var taken = 0
  private var allTaken = false
  private var codes: Set<String> = []
  private var found: [String] = []

  init(store: PostgresStore, peer: SimulatedNode, hub: SimulatedNode) {
    let held = (try? peer.store.changes(after: [:])) ?? []
    let verifier = peer.verifier
    done.enter()
    Thread.detachNewThread { [self] in
      defer { done.leave() }
      for start in stride(from: 0, to: held.count, by: 2) {
        let batch = Array(held[start..<min(start + 2, held.count)])
        while !lock.withLock({ stopped }) {
          do {
            let outcomes = try store.ingest(
              batch, verifier: verifier, physicalMillis: Date().unixMillis + 60_000)
            lock.withLock {
              taken += 1
              if let refused = outcomes.first(where: { !$0.isAccepted }) { found.append("sync: \(refused)") }
            }
            break
          } catch {
            note(error)
          }
        }
        usleep(150_000)
      }
      lock.withLock { allTaken = true }
    }
    done.enter()
    Thread.detachNewThread { [self] in
      defer { done.leave() }
      var number = 0
      while !lock.withLock({ stopped }) {
        number += 1
        let body = NodeHome.prepare([[]], officer: "officer-\(number)")
        do {
          let signed = try store.appendLocal(
            body.map { ($0, Audience.all) }, author: hub.author!, verifier: hub.verifier,
            physicalMillis: Date().unixMillis)
          lock.withLock { acts.append(contentsOf: signed.map(\.id)) }
        } catch {
          note(error)
        }
        usleep(50_000)
      }
    }
  }

  private func note(_ error: any Error) {
    _ = lock.withLock { codes.insert((error as? any CodedError)?.code ?? "uncoded: \(error)") }
    usleep(50_000)
  }

  var synced: Bool { lock.withLock { allTaken } }
  var batches: Int { lock.withLock { taken } }
  var acknowledgedActs: [ChangeID] { lock.withLock { acts } }
  var errorCodes: Set<String> { lock.withLock { codes } }
  var problems: [String] { lock.withLock { found } }

  func stop() {
    lock.withLock { stopped = true }
    done.wait()
  }
}
