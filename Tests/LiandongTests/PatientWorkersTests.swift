import Foundation
import Synchronization
import Testing

@testable import LiandongStore

/// The threads that check a received batch's signatures yield to the ones that answer people.
@Suite("Patient workers")
struct PatientWorkersTests {
  @Test("every iteration runs once, on a thread at nice 10, and perform returns only when all have ended")
  func niceAndComplete() {
    let workers = PatientWorkers(count: 2)
    let seen = Mutex<[Int: Int32]>([:])
    workers.perform(iterations: 200) { iteration in
      errno = 0
      let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
      usleep(200)
      seen.withLock { $0[iteration] = errno == 0 ? nice : -100 }
    }
    let result = seen.withLock { $0 }
    #expect(result.count == 200)
    #expect(Set(result.values) == [PatientWorkers.niceness], "\(Set(result.values))")
    // The caller's own priority is untouched.
    #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) < PatientWorkers.niceness)
  }
}
