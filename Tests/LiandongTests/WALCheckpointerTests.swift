import Foundation
import GRDB
import Testing

@testable import LiandongStore

/// The store checkpoints its write-ahead log away from the writer's commits (`WALCheckpointer`).
/// What a node depends on: a commit does not copy the log into the database itself, the copies
/// are made all the same, and the log stays bounded however long the writer keeps writing.
@Suite("Write-ahead log checkpoints off the writer")
struct WALCheckpointerTests {
  /// Twenty pages of 4 KiB a transaction, in overflow pages of their own.
  private static let pagesPerWrite = 20
  private static let page = 4096

  /// `pages` of 4 KiB in bytes; `.max` and its halves stay out of reach.
  private static func bytes(_ pages: Int) -> Int { pages > Int.max / (4 * page) ? pages : pages * page }

  private struct Store {
    let folder: URL
    let pool: DatabasePool
    let checkpointer: WALCheckpointer

    /// Thresholds in pages of 4 KiB, whatever the store's own page size (`pageBytes`).
    init(
      requestAt: Int, forcedAt: Int, forcedWhileServingAt: Int = .max / 2, servingPeople: Bool = false,
      pageBytes: Int = WALCheckpointerTests.page
    )
      throws
    {
      folder = temporaryDirectory("wal")
      let path = folder.appendingPathComponent("store.sqlite").path
      var configuration = Configuration()
      configuration.prepareDatabase { try $0.execute(sql: "PRAGMA page_size = \(pageBytes)") }
      pool = try DatabasePool(path: path, configuration: configuration)
      try pool.write { try $0.execute(sql: "CREATE TABLE t (b BLOB)") }
      let checkpointer = WALCheckpointer(
        path: path, requestAtBytes: bytes(requestAt), forcedAtBytes: bytes(forcedAt),
        forcedWhileServingAtBytes: bytes(forcedWhileServingAt), servingPeople: { servingPeople })
      pool.writeWithoutTransaction { db in checkpointer.install(on: db.sqliteConnection!) }
      self.checkpointer = checkpointer
    }

    /// One transaction, preceded by what `NodeStore.writeTransaction` does first when asked to.
    func write(checkingIfDue: Bool = true) throws {
      if checkingIfDue { checkpointer.checkpointIfDue() }
      try pool.write { db in
        try db.execute(
          sql: "INSERT INTO t VALUES (randomblob(?))", arguments: [WALCheckpointerTests.pagesPerWrite * page])
      }
    }

    func size(_ suffix: String) throws -> Int {
      let path = folder.appendingPathComponent("store.sqlite" + suffix).path
      return try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    func rows() throws -> Int { try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") ?? 0 } }
  }

  @Test("a commit past SQLite's own threshold does not checkpoint in place")
  func commitsLeaveTheLogAlone() throws {
    // Never asks and never forces: SQLite's automatic checkpoint would have copied the log into
    // the database file after its first 1,000 pages.
    let store = try Store(requestAt: .max, forcedAt: .max / 2)
    let before = try store.size("")
    for _ in 0..<60 { try store.write() }
    #expect(try store.size("") == before)
    #expect(try store.size("-wal") > 1000 * Self.page)
    #expect(try store.rows() == 60)
  }

  @Test("what commits ask for, the background connection checkpoints")
  func backgroundCheckpoints() throws {
    let store = try Store(requestAt: 50, forcedAt: .max / 2)
    for _ in 0..<10 { try store.write() }
    store.checkpointer.waitForRequested()
    #expect(store.checkpointer.counts.background >= 1)
    #expect(store.checkpointer.counts.forced == 0)
    // The database file now holds the rows the log held.
    #expect(try store.size("") >= 5 * Self.pagesPerWrite * Self.page)
    #expect(try store.rows() == 10)
  }

  @Test("past the forced threshold the next transaction starts the log afresh")
  func forcedBeforeTheNextTransaction() throws {
    // The background is never asked, so only the forced checkpoints bound the log.
    let store = try Store(requestAt: .max, forcedAt: 100)
    for _ in 0..<100 { try store.write() }
    #expect(store.checkpointer.counts.forced >= 10)
    // The log never held much more than the threshold and one transaction. Without the
    // checkpoint before the transaction it would reach twice the threshold.
    #expect(try store.size("-wal") <= (100 + 2 * Self.pagesPerWrite) * Self.page)
    #expect(try store.rows() == 100)
  }

  @Test(
    "a node serving people starts its log afresh at the shorter threshold; a sync alone keeps the longer one")
  func shorterWhileServing() throws {
    for serving in [true, false] {
      let store = try Store(
        requestAt: .max, forcedAt: .max / 2, forcedWhileServingAt: 100, servingPeople: serving)
      for _ in 0..<100 { try store.write() }
      let forced = store.checkpointer.counts.forced
      let log = try store.size("-wal")
      if serving {
        #expect(
          forced >= 10 && log <= (100 + 2 * Self.pagesPerWrite) * Self.page, "forced \(forced), log \(log)")
      } else {
        #expect(forced == 0 && log > 1000 * Self.page, "forced \(forced), log \(log)")
      }
      #expect(try store.rows() == 100)
    }
  }

  @Test("the thresholds are bytes of log: a store of 32 KiB pages starts its log afresh at the same size")
  func thresholdsInBytes() throws {
    let store = try Store(requestAt: .max, forcedAt: 100, pageBytes: 32 << 10)
    #expect(try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 32 << 10)
    for _ in 0..<100 { try store.write() }
    // Counted in pages of the store's own size, the threshold would let the log grow eight
    // times as long before the first forced checkpoint.
    #expect(store.checkpointer.counts.forced >= 5, "\(store.checkpointer.counts)")
    #expect(try store.size("-wal") <= 3 * 100 * Self.page)
    #expect(try store.rows() == 100)
  }

  @Test("a writer that never asks is still bounded, at twice the threshold")
  func forcedInTheCommit() throws {
    let store = try Store(requestAt: .max, forcedAt: 100)
    for _ in 0..<100 { try store.write(checkingIfDue: false) }
    #expect(store.checkpointer.counts.forced >= 5)
    #expect(try store.size("-wal") <= (200 + 2 * Self.pagesPerWrite) * Self.page)
    #expect(try store.rows() == 100)
  }
}
