import Foundation

/// What writers on threads of their own were told while a failover went on: each write
/// acknowledged (its item, when it began and when it was answered) and each refused (when, and
/// its code), and whether they are to stop. The failover tests judge from it what was lost and
/// when writes resumed.
final class WriteLedger: @unchecked Sendable {
  private let lock = NSLock()
  private var stopped = false
  private let done = DispatchGroup()
  private var items: Set<String> = []
  private var acknowledgedAt: [(begun: Date, at: Date)] = []
  private var failedAt: [Date] = []
  private var codes: Set<String> = []

  /// Runs `body` on a thread of its own; `stop` waits for it to return.
  func thread(_ body: @escaping @Sendable () -> Void) {
    done.enter()
    Thread.detachNewThread { [self] in
      defer { done.leave() }
      body()
    }
  }

  /// `threads` writers, each writing its items 1, 2, 3, ... until stopped: `attempt(ledger,
  /// thread, number)` writes one, records what it was told, and returns whether it was
  /// acknowledged; one that was not is attempted again, after `pause` microseconds.
  static func writers(
    threads: Int, pause: useconds_t,
    _ attempt: @escaping @Sendable (_ ledger: WriteLedger, _ thread: Int, _ number: Int) -> Bool
  ) -> WriteLedger {
    let ledger = WriteLedger()
    for thread in 0..<threads {
      ledger.thread {
        var number = 0
        while !ledger.isStopped {
          number += 1
          while !ledger.isStopped && !attempt(ledger, thread, number) { usleep(pause) }
        }
      }
    }
    return ledger
  }

  var isStopped: Bool { lock.withLock { stopped } }

  func acknowledge(_ item: String, begun: Date) {
    lock.withLock {
      items.insert(item)
      acknowledgedAt.append((begun, Date()))
    }
  }

  func refuse(code: String?) {
    lock.withLock {
      failedAt.append(Date())
      if let code { codes.insert(code) }
    }
  }

  var acknowledged: Set<String> { lock.withLock { items } }
  var errorCodes: Set<String> { lock.withLock { codes } }
  var failures: Int { lock.withLock { failedAt.count } }

  /// When a write was acknowledged again, begun after a failure that followed `instant`: a write
  /// begun before it may still have been committed by the dying primary.
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
