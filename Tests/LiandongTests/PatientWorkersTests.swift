import Foundation
import Synchronization
import Testing

@testable import LiandongStore

/// The threads that check a received batch's signatures and commit it yield to the ones that
/// answer people, in a node that serves people; elsewhere they keep the peer's priority.
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
    let lane = try await PatientWorkers(count: 1, name: "test-lane").run {
      errno = 0
      return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
    #expect(lane == 10, "a lane's jobs are as patient")
    // The caller's own priority is untouched.
    #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < 10)
  }
}
