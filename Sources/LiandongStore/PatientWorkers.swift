import Foundation
import Synchronization

/// Threads for work that people should not wait behind: checking the signatures of a received
/// sync batch, preparing and committing it. They run at nice 10 (the checks nicer still:
/// `shared`), so when both want a core the threads answering the API and the console (nice 0)
/// get it, and a sync that ingests on every core no longer makes a page of leads wait for one. Alone on the machine they still take every core: the kernel gives idle
/// time to whoever asks, whatever the niceness. Only a node that serves people is patient
/// (`Patience.yieldToPeople`): `liandong sync` and the tools, which nobody waits on a page of,
/// keep the priority of the peer they sync with when it shares the machine.
///
/// One worker is a lane: its jobs run one at a time in the order given, for the parts of a sync
/// that must stay in order.
public final class PatientWorkers: @unchecked Sendable {
  /// Every core's: a batch's signature checks. Nicer than the lanes by 10: the checks run ahead
  /// of the commits, and at equal priority they took two thirds of the cores while the committer,
  /// which every batch waits for, got a third; the checks then ended early and the committer
  /// finished the backlog alone, one core idle. Giving way to it, they use what it leaves
  /// (BENCHMARKS.md, B1).
  static let shared = PatientWorkers(
    count: ProcessInfo.processInfo.activeProcessorCount, name: "patient", niceAbove: 10)
  /// The lane where received batches are prepared (signatures checked ahead, bodies decoded),
  /// each session's in order.
  public static let preparing = PatientWorkers(count: 1, name: "prepare")
  /// The lane where received batches are committed: one writer, as SQLite has.
  public static let committing = PatientWorkers(count: 1, name: "commit")

  private let condition = NSCondition()
  private var jobs: [@Sendable () -> Void] = []
  /// How much nicer than `Patience.niceness` its threads run.
  private let niceAbove: Int32

  init(count: Int, name: String, niceAbove: Int32 = 0) {
    self.niceAbove = niceAbove
    for index in 0..<max(1, count) {
      let thread = Thread { [self] in work() }
      thread.name = "liandong-\(name)-\(index)"
      thread.start()
    }
  }

  /// Runs `job` after the jobs given before it (on a lane, also after they ended); returns at once.
  public func async(_ job: @escaping @Sendable () -> Void) {
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// Runs `work` as `async` does, and returns what it returned or threw.
  public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      async { continuation.resume(with: Result { try work() }) }
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
      nice = Patience.adopt(from: nice, above: niceAbove)
      job()
    }
  }
}
