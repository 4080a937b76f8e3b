import LiandongStore
import Testing

@testable import LiandongNode

/// The committer takes every received batch that is waiting and commits them in one
/// transaction; these are the queue's promises it relies on for acknowledging them in order.
@Suite("Received batches wait for the committer")
struct CommitQueueTests {
  private let done = CommitPreparation.Done(signatures: SignatureChecks(merging: []), bodies: [])

  private func batch(_ number: UInt64) -> PendingCommit {
    PendingCommit(number: number, changes: [], preparation: CommitPreparation(done: done))
  }

  @Test("every waiting batch is taken at once, in the order it arrived")
  func takesAllInOrder() async {
    let queue = CommitQueue()
    for number: UInt64 in 1...3 { queue.put(batch(number)) }
    #expect(await queue.takeAll()?.map(\.number) == [1, 2, 3])
    queue.put(batch(4))
    #expect(await queue.takeAll()?.map(\.number) == [4])
  }

  @Test("the oldest batch is taken once prepared, with the prepared ones after it; the rest wait their turn")
  func takesPrepared() async {
    let queue = CommitQueue()
    let pending = CommitPreparation()
    let oldest = CommitPreparation()
    queue.put(PendingCommit(number: 1, changes: [], preparation: oldest))
    queue.put(batch(2))
    queue.put(PendingCommit(number: 3, changes: [], preparation: pending))
    queue.put(batch(4))
    let first = Task { await queue.takePrepared()?.map(\.number) }
    // The oldest is waited for, not passed over.
    for _ in 0..<100 { await Task.yield() }
    queue.put(batch(5))
    oldest.finish(done)
    #expect(await first.value == [1, 2])
    let second = Task { await queue.takePrepared()?.map(\.number) }
    for _ in 0..<100 { await Task.yield() }
    pending.finish(done)
    #expect(await second.value == [3, 4, 5])
    queue.finish()
    #expect(await queue.takePrepared() == nil)
  }

  @Test("a batch's preparation can be asked whether it is done, and awaited by several")
  func preparation() async {
    let check = CommitPreparation()
    #expect(!check.isDone)
    let first = Task { await check.value() }
    let second = Task { await check.value() }
    for _ in 0..<100 { await Task.yield() }
    check.finish(done)
    #expect(check.isDone)
    _ = await first.value
    _ = await second.value
    _ = await check.value()
  }

  @Test("a committer with nothing to do waits for the next batch")
  func waitsForTheNext() async {
    let queue = CommitQueue()
    let taken = Task { await queue.takeAll()?.map(\.number) }
    // Let the committer start waiting, so the batch is handed over rather than queued.
    for _ in 0..<100 { await Task.yield() }
    queue.put(batch(7))
    #expect(await taken.value == [7])
  }

  @Test("at the session's end batches not begun are dropped, unacknowledged, and a waiting committer stops")
  func finishDropsWaiting() async {
    let queue = CommitQueue()
    queue.put(batch(1))
    queue.finish()
    #expect(await queue.takeAll() == nil)
    queue.put(batch(2))
    #expect(await queue.takeAll() == nil)

    let idle = CommitQueue()
    let taken = Task { await idle.takeAll() }
    for _ in 0..<100 { await Task.yield() }
    idle.finish()
    #expect(await taken.value == nil)
  }
}
