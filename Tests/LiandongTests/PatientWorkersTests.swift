import Foundation
import Synchronization
import Testing

@testable import LiandongStore

/// The threads that check a received batch's signatures and commit it yield to the ones that
/// answer people, in a node that serves people; elsewhere they keep the peer's priority. The
/// checks yield to the commit everywhere.
@Suite("Patient workers", .serialized)
struct PatientWorkersTests {
  /// The nice values the jobs of `iterations` saw, by iteration.
  static func niceness(on workers: PatientWorkers, iterations: Int) -> [Int: Int32] {
    let seen = Mutex<[Int: Int32]>([:])
    workers.perform(iterations: iterations) { iteration in
      errno = 0
      let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
      usleep(200)
      seen.withLock { $0[iteration] = errno == 0 ? nice : -100 }
    }
    return seen.withLock { $0 }
  }

  /// The nice value a job run on `lane` saw.
  static func niceness(on lane: PatientWorkers) async throws -> Int32 {
    try await lane.run {
      errno = 0
      return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
  }

  @Test(
    "every iteration runs once and perform returns only when all have ended; at nice 0, then at nice 10 once the node serves people"
  )
  func niceAndComplete() async throws {
    let workers = PatientWorkers(count: 2, name: "test")
    // This process has not served people yet (no test calls yieldToPeople but this one).
    let before = Self.niceness(on: workers, iterations: 50)
    #expect(before.count == 50 && Set(before.values) == [0], "\(Set(before.values))")

    Patience.yieldToPeople()
    let after = Self.niceness(on: workers, iterations: 200)
    #expect(after.count == 200)
    #expect(Set(after.values) == [10], "\(Set(after.values))")
    let lane = try await Self.niceness(on: PatientWorkers(count: 1, name: "test-lane"))
    #expect(lane == 10, "a lane's jobs are as patient")
    // The caller's own priority is untouched.
    #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < 10)
  }

  @Test(
    "a sync's signature checks give way to its committer: their threads run at a higher nice value than the commit and preparation lanes"
  )
  func checksGiveWayToTheCommitter() async throws {
    let checks = Set(Self.niceness(on: PatientWorkers.shared, iterations: 8).values)
    let committing = try await Self.niceness(on: PatientWorkers.committing)
    let preparing = try await Self.niceness(on: PatientWorkers.preparing)
    #expect(checks.count == 1, "\(checks)")
    // 10 above the lanes, or the kernel's ceiling of 19 once a node serves people.
    #expect(
      checks.allSatisfy { $0 == min(committing + 10, 19) && $0 > committing }, "\(checks), \(committing)")
    #expect(preparing == committing)
  }
}
