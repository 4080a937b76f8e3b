import Foundation
import Synchronization

/// Threads for work that people should not wait behind: checking the signatures of a received
/// sync batch. They run at nice 10, so when both want a core the threads answering the API and
/// the console (nice 0) get it, and a sync that ingests on every core no longer makes a page of
/// leads wait for one. Alone on the machine they still take every core: the kernel gives idle
/// time to whoever asks, whatever the niceness. Only a node that serves people is patient
/// (`Patience.yieldToPeople`): `liandong sync` and the tools, which nobody waits on a page of, keep the
/// priority of the peer they sync with when it shares the machine.
final class PatientWorkers: @unchecked Sendable {
  static let shared = PatientWorkers(count: ProcessInfo.processInfo.activeProcessorCount)

  private let condition = NSCondition()
  private var jobs: [@Sendable () -> Void] = []

  init(count: Int) {
    for index in 0..<max(1, count) {
      let thread = Thread { [self] in work() }
      thread.name = "liandong-patient-\(index)"
      thread.start()
    }
  }

  /// Runs `body(0..<iterations)` on the workers and returns when every iteration has finished.
  func perform(iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    condition.lock()
    for iteration in 0..<iterations {
      group.enter()
      jobs.append {
        body(iteration)
        group.leave()
      }
    }
    condition.broadcast()
    condition.unlock()
    group.wait()
  }

  private func work() {
    var nice: Int32 = 0
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      nice = Patience.adopt(from: nice)
      job()
    }
  }
}
