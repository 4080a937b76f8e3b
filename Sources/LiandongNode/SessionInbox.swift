import LiandongCore
import LiandongProtocol
import LiandongStore
import NIOCore
import Synchronization

/// What the session loop waits for: the peer's bytes and the store's answers, in one stream. A
/// batch commits in a task of its own, so the loop keeps reading (and the next batch is prepared
/// on the other core) meanwhile, and still hears of the commit as soon as it ends.
enum SessionEvent: Sendable {
  case received(ByteBuffer)
  /// The connection's read side ended: cleanly (nil) or with this error.
  case readEnded((any Error)?)
  case committed(batch: UInt64, Result<CommittedBatch, any Error>)
  /// A blob's last chunk was written and its hash checked, or writing it failed.
  case blobWritten(BlobNeed, Result<BlobReceipt, any Error>)
}

/// What committing a received batch gave, for its acknowledgement.
struct CommittedBatch: Sendable {
  var stored: Int
  var duplicates: Int
  var refusals: [String]
  var refusedChanges: [RefusedChange] = []
}

/// A counting semaphore bounding how far a producer runs ahead of its consumer: the reader ahead
/// of the session loop (so a fast peer waits in TCP's buffers rather than in this node's
/// memory), and the loop ahead of the blob writer (so a slow disk holds the peer back).
final class Credits: Sendable {
  private struct State {
    var available: Int
    var closed = false
    var waiter: CheckedContinuation<Void, Never>? = nil
  }

  private let state: Mutex<State>

  init(chunks: Int) { state = Mutex(State(available: chunks)) }

  /// Waits for a credit; returns at once once closed.
  func take() async {
    await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
      let ready = state.withLock { state -> Bool in
        if state.closed { return true }
        if state.available > 0 {
          state.available -= 1
          return true
        }
        state.waiter = waiter
        return false
      }
      if ready { waiter.resume() }
    }
  }

  func give() {
    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
      state.available += 1
      guard let waiter = state.waiter else { return nil }
      state.available -= 1
      state.waiter = nil
      return waiter
    }
    waiter?.resume()
  }

  /// The session is over: a producer waiting for a credit goes on (and then stops).
  func close() {
    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
      state.closed = true
      defer { state.waiter = nil }
      return state.waiter
    }
    waiter?.resume()
  }
}

/// Received batches waiting for the committer. It takes every batch that is waiting at once and
/// commits them in one transaction: each transaction writes every index page it touched, and
/// random object IDs touch pages all over the tables, so committing the (at most four) waiting
/// batches together writes each page once where one transaction per batch wrote it up to four
/// times, and makes one fsync of four.
final class CommitQueue: Sendable {
  private struct State {
    var waiting: [PendingCommit] = []
    var finished = false
    var taker: CheckedContinuation<[PendingCommit]?, Never>? = nil
  }

  private let state = Mutex(State())

  func put(_ batch: PendingCommit) {
    let taker = state.withLock { state -> CheckedContinuation<[PendingCommit]?, Never>? in
      guard !state.finished else { return nil }
      guard let taker = state.taker else {
        state.waiting.append(batch)
        return nil
      }
      state.taker = nil
      return taker
    }
    taker?.resume(returning: [batch])
  }

  /// The next batches to commit together, in order, once there is at least one; nil once
  /// finished. The oldest is waited for until it is prepared (`CommitPreparationLane`); the
  /// batches after it come along only if they are prepared too, and the rest stay waiting, so
  /// that they are prepared while these commit, and acknowledging these lets the peer send the
  /// next.
  func takePrepared() async -> [PendingCommit]? {
    guard let waiting = await takeAll() else { return nil }
    _ = await waiting[0].preparation.value()
    let prepared = Array(waiting.prefix { $0.preparation.isDone })
    putBack(waiting.dropFirst(prepared.count))
    return prepared
  }

  /// Returns batches taken but not committed to the head of the queue, before any put since.
  /// Only `takePrepared` calls it, and the committer is the queue's one taker, so no taker is
  /// waiting to be handed them.
  private func putBack(_ batches: some Collection<PendingCommit>) {
    state.withLock { state in
      guard !state.finished else { return }
      state.waiting.insert(contentsOf: batches, at: 0)
    }
  }

  /// Every batch waiting, in the order they were put, once there is at least one; nil once
  /// finished. Batches still waiting then are dropped: they were never acknowledged, and the
  /// peer sends them again next time.
  func takeAll() async -> [PendingCommit]? {
    await withCheckedContinuation { (taker: CheckedContinuation<[PendingCommit]?, Never>) in
      let ready = state.withLock { state -> [PendingCommit]?? in
        if state.finished { return .some(nil) }
        guard state.waiting.isEmpty else {
          defer { state.waiting = [] }
          return .some(state.waiting)
        }
        state.taker = taker
        return nil
      }
      if let ready { taker.resume(returning: ready) }
    }
  }

  func finish() {
    let taker = state.withLock { state -> CheckedContinuation<[PendingCommit]?, Never>? in
      state.finished = true
      state.waiting = []
      defer { state.taker = nil }
      return state.taker
    }
    taker?.resume(returning: nil)
  }
}
