import Foundation
import GRDB
import LiandongCore
import LiandongCrypto
import Synchronization

/// The node's SQLite store: the signed change log, fork proofs, and the projections folded from
/// the log. Every transaction that acknowledges something is `synchronous=FULL` in WAL mode, so a
/// write that returned survives `kill -9` and power loss.
public final class NodeStore: Sendable {
  public let node: NodeID
  let writer: any DatabaseWriter
  /// The database file, as messages name it ("" in memory).
  let filePath: String
  /// What each write transaction settles before it commits (`Schema.settlement`): the search
  /// indexes and what is settled with them, as far as the schema has them (only a test's store
  /// stopped at an older schema lacks some).
  let settlement: [String]
  /// Checkpoints the write-ahead log off the writer's commits; nil for an in-memory store.
  let walCheckpointer: WALCheckpointer?
  let signerCache = SignerCache()
  /// `maximumDriftMillis`: set from the node's configuration when its home opens.
  let driftLimit = Mutex<UInt64>(HybridLogicalClock.defaultMaximumDriftMillis)
  /// The federation's hash (`useSuite`), over the projections and the changes held: the
  /// digests that nodes compare are made alike on all of them.
  private let suiteDigestInUse = Mutex<DigestAlgorithm>(.sha256)

  /// Hashes the projection and change-set digests with `suite`'s hash: its federation's, set
  /// when the node's home opens (SHA-256 until then, as in a `p256` federation).
  public func useSuite(_ suite: CryptoSuite) { suiteDigestInUse.withLock { $0 = suite.digest } }

  public var suiteDigest: DigestAlgorithm { suiteDigestInUse.withLock { $0 } }

  /// The writing connection's page cache, filled only as pages are read: 32 MiB.
  static let pageCacheKiB = 32 << 10

  /// The page size of a database this version makes. Object IDs and change IDs are random, so a
  /// transaction of a sync or an import dirties index pages all over the store, and SQLite writes
  /// each dirty page to the log with two system calls of its own (a frame's header, then the
  /// page): with 4 KiB pages those calls were a large share of a receiving sync's committer.
  /// Larger pages move the same bytes in fewer calls. What it costs: a read that misses the cache
  /// copies a larger page (a scan of the whole log in ID order, as `status` makes, is slower), a
  /// small transaction writes larger pages to the log, and an empty node's file holds a page for
  /// each table and index. A database keeps the page size it was made with (SQLite cannot change
  /// it in WAL mode). Figures in BENCHMARKS.md, B1.
  public static let pageBytes = 32 << 10

  /// Takes effect only while the file is still empty, before its first table.
  static func choosePageSize(_ db: Database) throws {
    try db.execute(sql: "PRAGMA page_size = \(pageBytes)")
  }

  /// Opens (creating if needed) the store at `path`, or an in-memory store when `path` is nil.
  public convenience init(path: String?, node: NodeID) throws {
    try self.init(path: path, node: node, migrateUpTo: nil)
  }

  /// `migrateUpTo` stops after that many migrations: only for testing upgrades from old schemas.
  public init(path: String?, node: NodeID, migrateUpTo: Int?) throws {
    self.node = node
    filePath = path ?? ""
    settlement = Schema.settlement(migrations: migrateUpTo ?? Schema.latestVersion)
    // A data folder this process may not write can still be read. On a read-only disk (a
    // mounted copy, an inspection) nobody can be writing, and a WAL database there opens only as
    // immutable, since SQLite cannot make its -shm file; a folder of another user is opened
    // read-only but not immutable, as its node may be writing meanwhile.
    let folder = path.map { ($0 as NSString).deletingLastPathComponent }
    let readOnly = folder.map { access($0, W_OK) != 0 } ?? false
    let readOnlyDisk = readOnly && errno == EROFS
    do {
      (writer, walCheckpointer) =
        readOnly ? (try Self.openReadOnly(path!, immutable: readOnlyDisk), nil) : try Self.open(path)
    } catch {
      throw StoreError.translating(error, path: path ?? "")
    }
    do {
      if readOnly {
        try checkSchemaReadable(path: path!)
      } else {
        if path == nil, migrateUpTo == nil { try Self.emptyInMemory.get().backup(to: writer) }
        try migrate(upTo: migrateUpTo)
        if migrateUpTo == nil { try replayIfOwed() }
      }
    } catch {
      throw StoreError.translating(error, path: path ?? "")
    }
  }

  /// An empty store with every migration applied, made once per process. An in-memory store
  /// (the tests' and the simulation's, thousands of them in a run) starts as a copy of it:
  /// running every migration's statements again for each was a sixth of the simulation's time.
  private static let emptyInMemory = Result<DatabaseQueue, any Error> {
    var configuration = Configuration()
    // v32 fills the index of names' digits with it.
    configuration.prepareDatabase { db in DigitRuns.register(on: db.sqliteConnection) }
    let queue = try DatabaseQueue(configuration: configuration)
    try Schema.migrator.migrate(queue)
    return queue
  }

  private static func openReadOnly(_ path: String, immutable: Bool) throws -> any DatabaseWriter {
    var configuration = Configuration()
    configuration.readonly = true
    configuration.busyMode = .timeout(30)
    return try DatabaseQueue(
      path: immutable ? URL(fileURLWithPath: path).absoluteString + "?immutable=1" : path,
      configuration: configuration)
  }

  /// Read-only, the schema cannot be brought up to date: it must be this version's already.
  private func checkSchemaReadable(path: String) throws {
    let migrator = Schema.migrator
    let applied = try writer.read { try migrator.appliedIdentifiers($0) }
    if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
      throw StoreError.schemaTooNew(found: applied.count, supported: Schema.latestVersion)
    }
    guard applied.count == migrator.migrations.count else {
      throw StoreError.database(
        code: "store.read-only", path: path,
        reason: "needs its schema upgraded to this version, which cannot be done on a read-only disk")
    }
  }

  private static func open(_ path: String?) throws -> (any DatabaseWriter, WALCheckpointer?) {
    var configuration = Configuration()
    configuration.busyMode = .timeout(30)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
      // Each write's settlement calls it (`Schema.digitSettlement`).
      DigitRuns.register(on: db.sqliteConnection)
      // SQLite's default page cache is 2 MiB. Object IDs are random, so each new object's rows
      // land on pages all over the projection indexes, and with a few hundred thousand changes
      // inserts kept missing the cache: bulk imports and catch-up syncs slowed as the store grew.
      // Only the one writing connection gets more; readers read in index order, and a pool of
      // them each holding 32 MiB would cost a node's memory budget.
      if !db.configuration.readonly {
        try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKiB)")
        try Self.choosePageSize(db)
      }
    }
    guard let path else { return (try DatabaseQueue(configuration: configuration), nil) }
    let checkpointer = WALCheckpointer(path: path)
    let writer = try DatabasePool(path: path, configuration: configuration)
    writer.writeWithoutTransaction { db in
      if let connection = db.sqliteConnection { checkpointer.install(on: connection) }
    }
    return (writer, checkpointer)
  }

  /// Brings the schema up to date (or to `migrateUpTo` migrations), refusing a newer one.
  private func migrate(upTo migrateUpTo: Int?) throws {
    let migrator = Schema.migrator
    let superseded = try writer.read { try migrator.hasBeenSuperseded($0) }
    if superseded {
      let applied = try writer.read { try migrator.appliedIdentifiers($0).count }
      throw StoreError.schemaTooNew(found: applied, supported: Schema.latestVersion)
    }
    let before = try writer.read { try migrator.appliedIdentifiers($0) }
    if let migrateUpTo {
      try migrator.migrate(writer, upTo: Schema.migrator.migrations[migrateUpTo - 1])
    } else {
      try migrator.migrate(writer)
    }
    // The list of wanted bodies needs this node's ID, which a migration does not know.
    let after = try writer.read { try migrator.appliedIdentifiers($0) }
    if !before.contains(Schema.wantedBodiesMigration), after.contains(Schema.wantedBodiesMigration) {
      try writeTransaction { try rebuildWantedBodies(.sqlite($0)) }
    }
  }

  /// The writer's log hook points at the checkpointer without holding it.
  deinit {
    guard let walCheckpointer else { return }
    writer.writeWithoutTransaction { db in
      if let connection = db.sqliteConnection { walCheckpointer.uninstall(from: connection) }
    }
  }

  /// The identifiers of every migration this version knows, oldest first.
  public static var schemaVersions: [String] { Schema.migrator.migrations }

  public func appliedSchemaVersions() throws -> Set<String> {
    Set(try read { try Schema.migrator.appliedIdentifiers($0) })
  }

  /// Runs `body` in one IMMEDIATE transaction: concurrent writers (another CLI process, the
  /// server) wait instead of failing, and a chain tip read inside cannot go stale.
  func writeTransaction<T>(_ body: (Database) throws -> T) throws -> T {
    try writer.writeWithoutTransaction { db in
      walCheckpointer?.checkpointIfDue()
      var result: T? = nil
      do {
        try db.inTransaction(.immediate) {
          result = try body(db)
          try Self.settle(settlement, db)
          return .commit
        }
      } catch {
        signerCache.forget()
        throw StoreError.translating(error, path: filePath)
      }
      return result!
    }
  }

  func read<T>(_ body: (Database) throws -> T) throws -> T {
    try StoreError.translatingErrors(path: filePath) {
      guard let memory = writer as? DatabaseQueue, filePath.isEmpty else { return try writer.read(body) }
      // An in-memory store has one connection, and GRDB's `read` on it switches `PRAGMA
      // query_only` on and off, which expires every prepared statement: each cached statement
      // was compiled again after every read (a tenth of the simulation's time). Its queue lets
      // nothing write meanwhile; a transaction keeps the read's view whole, and a read that
      // wrote is refused as GRDB's would be.
      return try memory.inDatabase { db in
        let written = db.totalChangesCount
        var result: T?
        try db.inTransaction(.deferred) {
          result = try body(db)
          guard db.totalChangesCount == written else {
            throw StoreError.database(code: "store.unexpected", path: "", reason: "a read wrote to the store")
          }
          return .commit
        }
        return result!
      }
    }
  }
}

/// What became of one change offered to the store.
public enum IngestOutcome: Sendable, Equatable {
  case stored
  case bodyFilled
  case duplicate
  case forkDetected(ChangeRefusal)
  case refused(ChangeRefusal)

  public var isAccepted: Bool {
    switch self {
    case .stored, .bodyFilled, .duplicate: true
    case .forkDetected, .refused: false
    }
  }
}

extension NodeStore: LogWritingStore {
  /// SQLite has one writer: its IMMEDIATE transaction holds every origin's head already.
  func writingLog<T>(origins: [NodeID], _ body: (StoreConnection) throws -> T) throws -> T {
    try writeTransaction { try body(.sqlite($0)) }
  }

  func readingLog<T>(_ body: (StoreConnection) throws -> T) throws -> T { try read { try body(.sqlite($0)) } }

  /// Including the search indexes, which a contentless index empties in its own way.
  func emptyDerivedTables(_ db: StoreConnection) throws {
    for table in Schema.derivedTables { try db.run(Schema.emptying(table)) }
  }
}
