import Dispatch
import Foundation
import LiandongCore
import LiandongTesting
import Synchronization
import Testing

@testable import LiandongStore

extension PostgresChangeLogTests {
  @Test(
    "a reader following the log by position while two processes ingest at once misses no change and sees each once"
  )
  func arrivalsUnderConcurrentIngest() async throws {
    let seed = replayableSeed("PostgresChangeLogTests.arrivalsUnderConcurrentIngest")
    let hub = try await HubProcesses(seed: seed, acts: 120, stores: 3)
    defer { hub.server.stop() }
    let (nodes, model, held, stores) = (hub.nodes, hub.model, hub.held, hub.stores)
    // Two writers as two `serve` processes, taking origins apart so that neither waits for the
    // other's chain, a change to a transaction so that their commits interleave often; a third
    // follows the log as `/v1/events` does.
    let plans = [
      held.filter { $0.header.origin == nodes[0].id }, held.filter { $0.header.origin != nodes[0].id },
    ]
    let writing = Atomic<Int>(2)
    let followed = Mutex<(positions: [Int64], changes: [ChangeID], failure: String?)>(([], [], nil))
    let followerDone = DispatchSemaphore(value: 0)
    let follower = Thread {
      defer { followerDone.signal() }
      var position: Int64 = 0
      var lastRound = false
      while true {
        do {
          let arrived = try stores[2].arrivals(after: position, limit: 20)
          followed.withLock {
            $0.positions += arrived.map(\.position)
            $0.changes += arrived.map(\.change.id)
          }
          position = arrived.last?.position ?? position
          if arrived.isEmpty && lastRound { break }
          // Once both writers are done, one more reading to the end.
          lastRound = lastRound || writing.load(ordering: .acquiring) == 0
        } catch {
          followed.withLock { $0.failure = "\(error)" }
          break
        }
      }
    }
    follower.start()
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 2) { side in
      for change in plans[side] {
        do {
          _ = try stores[side].ingest([change], verifier: model.verifier, physicalMillis: Self.later)
        } catch {
          failures.withLock { $0.append("process \(side): \(error)") }
        }
      }
      writing.subtract(1, ordering: .releasing)
    }
    followerDone.wait()
    #expect(failures.withLock { $0 } == [], "seed \(seed)")
    let (positions, changes, failure) = followed.withLock { $0 }
    #expect(failure == nil, "seed \(seed)")
    #expect(positions == positions.sorted() && Set(positions).count == positions.count, "seed \(seed)")
    let missed = Set(held.map(\.id)).subtracting(changes)
    #expect(
      missed.isEmpty, "seed \(seed): \(missed.count) changes never seen, first \(missed.first?.hex ?? "")")
    #expect(changes.count == held.count, "seed \(seed)")
  }
}
