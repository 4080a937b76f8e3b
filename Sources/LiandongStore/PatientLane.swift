import Foundation

/// One patient thread (nice 10 in a node that serves people, `Patience.yieldToPeople`)
/// that runs jobs in the order given: for the parts of a sync that
/// people should not wait behind and that must stay in order (preparing the next batch,
/// committing the last one). As with `PatientWorkers`, the threads answering the API and the
/// console (nice 0) get a core first when both want one; alone on the machine the lane takes a
/// whole core.
public final class PatientLane: @unchecked Sendable {
  /// Where received batches are prepared (signatures checked ahead, bodies decoded), each
  /// session's in order.
  public static let preparing = PatientLane(name: "liandong-prepare")
  /// Where received batches are committed: one writer, as SQLite has.
  public static let committing = PatientLane(name: "liandong-commit")

  private let condition = NSCondition()
  private var jobs: [@Sendable () -> Void] = []

  public init(name: String) {
    let thread = Thread { [self] in work() }
    thread.name = name
    thread.start()
  }

  /// Runs `job` after the jobs given before it; returns at once.
  public func async(_ job: @escaping @Sendable () -> Void) {
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// Runs `work` after the jobs given before it, and returns what it returned or threw.
  public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      async { continuation.resume(with: Result { try work() }) }
    }
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
