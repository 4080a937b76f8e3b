import Dispatch
import LiandongCore
import LiandongStore
import Synchronization

/// Checks received batches' signatures one batch at a time, in the order they arrived, each
/// spread over every core. Checked side by side (as tasks on NIO's thread pool were), the four
/// batches of a window each finished late, and could hold the pool's threads while the committer
/// waited for one; in order, the oldest batch, the one the committer needs next, is ready first.
final class SignatureCheckLane: Sendable {
  private let queue = DispatchQueue(label: "liandong.signature-checks")
  private let store: NodeStore
  /// Keys announced by the session's batches so far; used only on `queue`, one batch at a time.
  private let announced = Mutex(AnnouncedSigners())

  init(store: NodeStore) { self.store = store }

  /// Starts checking `changes` after the batches already given; returns at once.
  func check(_ changes: [SignedChange]) -> SignatureCheck {
    let check = SignatureCheck()
    queue.async { [self] in
      check.finish(announced.withLock { store.checkSignaturesAhead(changes, announced: &$0) })
    }
    return check
  }
}

/// A batch's signature check, which the committer can ask whether it is done without waiting.
final class SignatureCheck: Sendable {
  private struct State {
    var result: SignatureChecks?
    var waiters: [CheckedContinuation<SignatureChecks, Never>] = []
  }

  private let state = Mutex(State())

  init() {}

  /// A check already done.
  init(done result: SignatureChecks) { state.withLock { $0.result = result } }

  var isDone: Bool { state.withLock { $0.result != nil } }

  /// What the check vouches for, once it is done.
  func value() async -> SignatureChecks {
    await withCheckedContinuation { (waiter: CheckedContinuation<SignatureChecks, Never>) in
      let result = state.withLock { state -> SignatureChecks? in
        if state.result == nil { state.waiters.append(waiter) }
        return state.result
      }
      if let result { waiter.resume(returning: result) }
    }
  }

  func finish(_ result: SignatureChecks) {
    let waiters = state.withLock { state -> [CheckedContinuation<SignatureChecks, Never>] in
      state.result = result
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: result) }
  }
}
