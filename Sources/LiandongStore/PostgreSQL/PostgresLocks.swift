import LiandongCore

/// The transaction-scoped locks several processes on one hub database take, so that what SQLite's
/// single writer guarantees holds here too (`pg_advisory_xact_lock`, released at commit or
/// rollback). Each origin's chain is written under a lock on that origin's head: the tip a
/// transaction reads stays its tip until it commits, so two processes never both append at a
/// sequence, leave a gap, or miss a fork. The fold of a transaction's objects, from the
/// operation index to the projection rows, is written under one lock for all: an object folded
/// by two transactions at once would miss the other's operations. Locks are taken in one order
/// (origins by key, then the fold), and a deadlock PostgreSQL breaks anyway runs the
/// transaction again (`PostgresConnection.transaction`).
enum PostgresLocks {
  /// The lock on `origin`'s head: FNV-1a over its name, in a space apart from the fold's.
  static func key(origin: NodeID) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in ("origin " + origin.rawValue).utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    return Int64(bitPattern: hash | 1)
  }

  /// The fold's lock (an even key: no origin's).
  static let fold: Int64 = 0x4c44_464f_4c44_0000

  /// The lock on the log's order of arrival (`PostgresLogOrder`), taken last, just before commit.
  static let logOrder: Int64 = 0x4c44_4f52_4452_0000

  /// Takes the locks of `keys` in ascending order, waiting for each.
  static func take(_ keys: some Sequence<Int64>, on connection: PostgresConnection) throws {
    for key in Set(keys).sorted() {
      try connection.execute("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(key)])
    }
  }
}
