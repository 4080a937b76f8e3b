import Dispatch
import Synchronization

/// Work started on another core now, its result taken later: a bulk command prepares its next
/// step while the store writes this one.
final class Ahead<Value: Sendable>: Sendable {
  private let done = DispatchSemaphore(value: 0)
  private let result = Mutex<Value?>(nil)

  init(_ work: @escaping @Sendable () -> Value) {
    DispatchQueue.global().async { [self] in
      let value = work()
      result.withLock { $0 = value }
      done.signal()
    }
  }

  /// Waits for the work to finish; call once.
  func value() -> Value {
    done.wait()
    return result.withLock { $0.take()! }
  }
}
