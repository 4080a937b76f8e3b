import Dispatch
import LiandongCore
import LiandongStore
import Synchronization

/// Does received batches' work that needs no transaction, one batch at a time, in the order they
/// arrived, each spread over every core: their signatures checked and their bodies decoded. The
/// committer, on one core, is then left with the store's work (decoding was a ninth of a bulk
/// sync's committer, BENCHMARKS.md, B2). Checked side by side (as tasks on NIO's thread pool
/// were), the four batches of a window each finished late, and could hold the pool's threads
/// while the committer waited for one; in order, the oldest batch, the one the committer needs
/// next, is ready first. It runs on `PatientWorkers.preparing` (nice 10), as the commit itself
/// runs on `PatientWorkers.committing`: a person's request answered meanwhile gets a core first.
final class CommitPreparationLane: Sendable {
  private let store: any NodeStorage
  /// Keys announced by the session's batches so far; used only on `queue`, one batch at a time.
  private let announced = Mutex(AnnouncedSigners())

  init(store: any NodeStorage) { self.store = store }

  /// Starts preparing `changes` after the batches already given; returns at once.
  func prepare(_ changes: [SignedChange]) -> CommitPreparation {
    let preparation = CommitPreparation()
    PatientWorkers.preparing.async { [self] in
      let signatures = announced.withLock { store.checkSignaturesAhead(changes, announced: &$0) }
      preparation.finish(
        CommitPreparation.Done(signatures: signatures, bodies: PreparedBody.decoding(changes)))
    }
    return preparation
  }
}

/// A batch's preparation, which the committer can ask whether it is done without waiting.
final class CommitPreparation: Sendable {
  struct Done: Sendable {
    var signatures: SignatureChecks
    /// Index for index with the batch's changes.
    var bodies: [PreparedBody?]
  }

  private struct State {
    var result: Done?
    var waiters: [CheckedContinuation<Done, Never>] = []
  }

  private let state = Mutex(State())

  init() {}

  /// A preparation already done.
  init(done result: Done) { state.withLock { $0.result = result } }

  var isDone: Bool { state.withLock { $0.result != nil } }

  /// What the preparation gave, once it is done.
  func value() async -> Done {
    await withCheckedContinuation { (waiter: CheckedContinuation<Done, Never>) in
      let result = state.withLock { state -> Done? in
        if state.result == nil { state.waiters.append(waiter) }
        return state.result
      }
      if let result { waiter.resume(returning: result) }
    }
  }

  func finish(_ result: Done) {
    let waiters = state.withLock { state -> [CheckedContinuation<Done, Never>] in
      state.result = result
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: result) }
  }
}
