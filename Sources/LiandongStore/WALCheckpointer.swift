import Foundation
import GRDBSQLite
import Synchronization

/// Checkpoints the store's write-ahead log on a thread of its own instead of in the writer's
/// commits. SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000
/// pages: the writer copies the log's new pages into the database file and waits for the disk
/// before the commit returns. A receiving sync acknowledges a batch only once its commit returns,
/// and the peer sends no more until then, so while the committer sat in checkpoints the cores
/// idled (B1: 13,070 -> 13,580 changes per second over four alternating runs; BENCHMARKS.md).
///
/// Here a commit that takes the log past `requestAt` bytes only asks, and a connection of the
/// checkpointer's own makes a passive checkpoint, which blocks neither the writer nor readers.
/// SQLite starts the log afresh only when a write begins after a checkpoint has reached its end,
/// and a committer that begins its next transaction as soon as one commits never gives the
/// background that moment. So once the log passes `forcedAt` bytes, the writer's next transaction
/// first waits for the checkpoint under way and has the rest made (`checkpointIfDue`), and past
/// twice that a commit checkpoints in place as SQLite would: the log stays bounded.
///
/// A node that serves people keeps its log shorter (`forcedWhileServingAt`): every page a commit
/// changed stays in the log until the log starts afresh, and each read of it looks it up there and
/// reads it again, so the officers' pages read while a sync ingests grew costlier the longer the
/// log (B10, BENCHMARKS.md). A sync alone (`liandong sync`, B1) keeps the longer log, which waits
/// less often.
///
/// Checkpoints copy committed pages from one durable file into another; which connection makes
/// them, and when, changes nothing a crash could lose.
final class WALCheckpointer: @unchecked Sendable {
  let path: String
  /// The thresholds, in bytes of log.
  let requestAt: Int
  let forcedAt: Int
  let forcedWhileServingAt: Int
  /// SQLite counts the log in pages, and a store's page size is fixed when its database is made:
  /// read once, when installed on the writer.
  private var pageBytes = 4096
  /// Whether the node serves people now (`Patience`); read at each commit.
  let servingPeople: @Sendable () -> Bool
  /// Serialises the checkpoints; `connection` is touched only on it.
  private let queue = DispatchQueue(label: "liandong.wal-checkpoint")
  private var connection: OpaquePointer?
  private let progress = Mutex(Progress())

  private struct Progress {
    /// A checkpoint is queued or running.
    var running = false
    /// A commit asked again while one was running: the log has grown since it began.
    var askedAgain = false
    /// The log has passed the threshold: the writer's next transaction checkpoints first.
    var due = false
    var background = 0
    var forced = 0
  }

  /// A request at SQLite's default for its automatic checkpoint (1,000 pages of 4 KiB); the log
  /// starts afresh past 64 MiB, and past 8 MiB while the node serves people.
  init(
    path: String, requestAtBytes: Int = 4_096_000, forcedAtBytes: Int = 64 << 20,
    forcedWhileServingAtBytes: Int = 8_192_000,
    servingPeople: @escaping @Sendable () -> Bool = { Patience.servesPeople }
  ) {
    self.path = path
    self.requestAt = requestAtBytes
    self.forcedAt = forcedAtBytes
    self.forcedWhileServingAt = forcedWhileServingAtBytes
    self.servingPeople = servingPeople
  }

  deinit {
    if let connection { sqlite3_close_v2(connection) }
  }

  /// Replaces the writing connection's automatic checkpoint with this checkpointer. The hook
  /// holds no reference: the owner calls `uninstall` before letting go of either.
  func install(on writer: OpaquePointer) {
    pageBytes = Self.pageSize(of: writer)
    sqlite3_wal_hook(writer, walHook, Unmanaged.passUnretained(self).toOpaque())
  }

  private static func pageSize(of connection: OpaquePointer) -> Int {
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    guard sqlite3_prepare_v2(connection, "PRAGMA page_size", -1, &statement, nil) == SQLITE_OK,
      sqlite3_step(statement) == SQLITE_ROW
    else { return 4096 }
    return Int(sqlite3_column_int64(statement, 0))
  }

  func uninstall(from writer: OpaquePointer) {
    sqlite3_wal_hook(writer, nil, nil)
  }

  /// Called by SQLite after each commit on the writer, with the pages now in the log.
  fileprivate func committed(writer: OpaquePointer?, schema: UnsafePointer<CChar>?, pages: Int32) {
    let log = Int(pages) * pageBytes
    // The length past which the log must start afresh, for this node now.
    let threshold = servingPeople() ? min(forcedAt, forcedWhileServingAt) : forcedAt
    // Halved rather than the threshold doubled, which a threshold of "never" would overflow.
    if log / 2 >= threshold {
      // No transaction went through `checkpointIfDue` since the log passed the threshold.
      progress.withLock { $0.forced += 1 }
      sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
      return
    }
    let start = progress.withLock { progress -> Bool in
      if log >= threshold { progress.due = true }
      guard log >= requestAt else { return false }
      if progress.running {
        progress.askedAgain = true
        return false
      }
      progress.running = true
      return true
    }
    if start { queue.async { self.checkpointWhileAsked() } }
  }

  /// Called by the writer before it begins a transaction. Once the log has passed the threshold,
  /// the writer waits for the checkpoint under way and has the rest made while it writes
  /// nothing, so that the log is wholly in the database and the transaction starts it afresh.
  /// Before the next transaction rather than in the commit that crossed the line, so that what
  /// that commit acknowledges goes out first.
  func checkpointIfDue() {
    let due = progress.withLock { progress -> Bool in
      defer { progress.due = false }
      return progress.due
    }
    guard due else { return }
    queue.sync {
      checkpoint()
      progress.withLock { $0.forced += 1 }
    }
  }

  private func checkpointWhileAsked() {
    repeat {
      checkpoint()
    } while progress.withLock { progress -> Bool in
      progress.background += 1
      guard progress.askedAgain else {
        progress.running = false
        return false
      }
      progress.askedAgain = false
      return true
    }
  }

  /// A failure here (the file gone, another checkpoint under way) costs nothing: the log stays
  /// whole, and the next request or a forced checkpoint tries again.
  private func checkpoint() {
    if connection == nil {
      var opened: OpaquePointer?
      guard sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK
      else {
        sqlite3_close_v2(opened)
        return
      }
      // A connection finds the log only when it first reads; until then a checkpoint does
      // nothing and reports no log.
      guard sqlite3_exec(opened, "SELECT count(*) FROM sqlite_master", nil, nil, nil) == SQLITE_OK else {
        sqlite3_close_v2(opened)
        return
      }
      connection = opened
    }
    sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
  }

  /// Returns once the checkpoints asked for so far have been made; for tests.
  func waitForRequested() { queue.sync {} }

  /// Checkpoints made in the background as asked, and those forced past the threshold.
  var counts: (background: Int, forced: Int) {
    progress.withLock { ($0.background, $0.forced) }
  }
}

private func walHook(
  _ context: UnsafeMutableRawPointer?, _ writer: OpaquePointer?, _ schema: UnsafePointer<CChar>?,
  _ pages: Int32
) -> Int32 {
  guard let context else { return SQLITE_OK }
  Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
    .committed(writer: writer, schema: schema, pages: pages)
  return SQLITE_OK
}
