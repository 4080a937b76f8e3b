import LiandongCore

/// A slice of a received batch waiting for the committer, with its preparation under way.
///
/// A batch is prepared (signatures checked, bodies decoded) a slice at a time, and its slices are
/// committed together once the whole batch is prepared, except where the committer would
/// otherwise leave a core idle: at a session's start (the session's first batch, whose slices
/// commit as each is prepared, so that the committer starts on the first while the rest are
/// checked) and at its end (once every change the peer's Hello promised has arrived, see
/// `CommitQueue.commitEagerly`: what the committer had not begun when the last check ended it
/// would commit alone). Each transaction writes every index page it touches, and random object
/// IDs touch pages all over the store, so small transactions throughout would cost more than the
/// idle core they save.
struct PendingCommit: Sendable {
  var number: UInt64
  var changes: [SignedChange]
  var preparation: CommitPreparation
  /// The preparation of the batch's last slice: once it is done, so are the others (one lane
  /// prepares a session's slices in the order they arrived).
  var batchPreparation: CommitPreparation
  /// The batch's last slice: once it is committed, the batch is acknowledged.
  var endsBatch: Bool
  /// Committed as soon as it is prepared, without waiting for the rest of its batch.
  var eager: Bool

  init(
    number: UInt64, changes: [SignedChange], preparation: CommitPreparation,
    batchPreparation: CommitPreparation? = nil, endsBatch: Bool = true, eager: Bool = false
  ) {
    self.number = number
    self.changes = changes
    self.preparation = preparation
    self.batchPreparation = batchPreparation ?? preparation
    self.endsBatch = endsBatch
    self.eager = eager
  }

  /// How many changes a slice holds at most: a few tens of milliseconds of checking.
  static let sliceChanges = 512

  /// Batch `batch`'s changes as slices, each handed to `lane` to be prepared, in order.
  static func slices(of changes: [SignedChange], batch: UInt64, lane: CommitPreparationLane)
    -> [PendingCommit]
  {
    let ranges = stride(from: 0, to: max(changes.count, 1), by: sliceChanges).map {
      $0..<min($0 + sliceChanges, changes.count)
    }
    let parts = ranges.map { Array(changes[$0]) }
    let preparations = parts.map { lane.prepare($0) }
    return zip(parts, preparations).enumerated().map { index, slice in
      PendingCommit(
        number: batch, changes: slice.0, preparation: slice.1, batchPreparation: preparations.last,
        endsBatch: index == parts.count - 1, eager: batch == 1)
    }
  }
}

/// What each batch's committed slices gave, until its last slice is committed: a batch is
/// acknowledged once, with the sum of its slices.
struct BatchTallies {
  private var partial: [UInt64: CommittedBatch] = [:]

  /// The batch's result once `slice` was its last; nil before. A failure is the batch's at once
  /// (the session ends with it; the batch is never acknowledged, and the peer sends it again).
  mutating func add(_ result: Result<CommittedBatch, any Error>, of slice: PendingCommit)
    -> Result<CommittedBatch, any Error>?
  {
    guard case .success(let committed) = result else {
      partial[slice.number] = nil
      return result
    }
    var sum =
      partial.removeValue(forKey: slice.number) ?? CommittedBatch(stored: 0, duplicates: 0, refusals: [])
    sum.stored += committed.stored
    sum.duplicates += committed.duplicates
    sum.refusals += committed.refusals
    sum.refusedChanges += committed.refusedChanges
    guard slice.endsBatch else {
      partial[slice.number] = sum
      return nil
    }
    return .success(sum)
  }
}
