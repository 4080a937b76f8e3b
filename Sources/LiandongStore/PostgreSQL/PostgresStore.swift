import LiandongCore
import LiandongCrypto
import Synchronization

/// A hub's store on PostgreSQL: one database that several `liandong serve` processes share. It
/// grows role by role (`StoreRoles.swift`), each held to the same conformance tests as the
/// SQLite store; today it keeps the officers' accounts, tokens, sessions and idempotent results,
/// the peers, the index of evidence files, the change log and its read models, and every other
/// role a node uses (`NodeStorage`): appended, folded and read by the SQLite store's own code
/// (`LogWritingStore`, the roles' extensions over `SQLBackedStore` and `LogBackedStore`).
public final class PostgresStore: Sendable {
  public let node: NodeID
  let pool: PostgresPool
  private let suiteDigestInUse = Mutex<DigestAlgorithm>(.sha256)
  let signerCache = SignerCache()
  private let driftLimit = Mutex<UInt64>(HybridLogicalClock.defaultMaximumDriftMillis)

  /// Connects, as `node`'s store, with a `postgresql://` URL and brings the schema up to date
  /// (or to its `upTo`-th step, for the tests of every earlier version), holding at most
  /// `connections` at once.
  public init(
    url: String, node: NodeID, connections: Int = PostgresStore.defaultConnections, migrateUpTo: Int? = nil
  ) throws {
    self.node = node
    pool = PostgresPool(url: url, limit: connections)
    try pool.withConnection { try PostgresSchema.migrator.migrate($0, upTo: migrateUpTo) }
  }

  /// Connections one process holds at most unless `node.json`'s `storeConnections` says.
  public static let defaultConnections = 16

  /// How far ahead of this node's clock a change's time may be before it waits (`node.json`).
  public var maximumDriftMillis: UInt64 { driftLimit.withLock { $0 } }

  public func setMaximumDrift(millis: UInt64) { driftLimit.withLock { $0 = millis } }

  /// Hashes the change-set digests with `suite`'s hash, its federation's (SHA-256 until told).
  public func useSuite(_ suite: CryptoSuite) { suiteDigestInUse.withLock { $0 = suite.digest } }

  public var suiteDigest: DigestAlgorithm { suiteDigestInUse.withLock { $0 } }

  public static var schemaVersions: [String] { PostgresSchema.migrator.steps.map(\.name) }

  public func appliedSchemaVersions() throws -> [String] {
    try pool.withConnection { try PostgresMigrator.applied($0) }
  }
}

/// Reads on a connection of the pool; writes in a transaction, durable when it commits.
struct PostgresEngine: SQLEngine {
  let pool: PostgresPool

  func reading<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try pool.withConnection(body) }
  func writing<T>(_ body: (any SQLConnection) throws -> T) throws -> T { try pool.transaction(body) }

  func snapshot<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try pool.transaction(beginning: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
      try body(.postgres($0))
    }
  }

  func writingStore<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try pool.transaction { try body(.postgres($0)) }
  }
}

extension PostgresStore: SQLBackedStore {
  public var sqlEngine: SealedSQLEngine { SealedSQLEngine(engine: PostgresEngine(pool: pool)) }
}

extension PostgresStore: AccountDirectory, BlobIndex, ChangeLogReads, PeerDirectory, SuiteHashing {}
