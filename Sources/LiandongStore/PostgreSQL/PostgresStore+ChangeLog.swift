import Foundation
import LiandongCore
import LiandongCrypto

/// The hub's change log: appended to by the SQLite store's own code (`LogWritingStore`), in a
/// transaction that holds the head of every origin it writes (`PostgresLocks`), so that several
/// `liandong serve` processes may ingest at once. Every statement is durable when the
/// transaction commits (`synchronous_commit = on`, and a synchronous standby's acknowledgement
/// where one is configured).
extension PostgresStore: LogWritingStore {
  func writingLog<T>(origins: [NodeID], _ body: (StoreConnection) throws -> T) throws -> T {
    do {
      return try pool.transaction { connection in
        try PostgresLocks.take(origins.map(PostgresLocks.key(origin:)), on: connection)
        return try body(.postgres(connection))
      }
    } catch {
      signerCache.forget()
      throw error
    }
  }

  func readingLog<T>(_ body: (StoreConnection) throws -> T) throws -> T {
    try pool.withConnection { try body(.postgres($0)) }
  }

  func replayIfOwed() throws {
    let owed = try pool.withConnection {
      try !$0.rows("SELECT 1 FROM store_flags WHERE name = ?", [.text(LogTables.replayFlag)]).isEmpty
    }
    guard owed else { return }
    // A damaged body stops the replay until sync brings a good copy; the next transaction tries
    // again.
    do { try rebuild() } catch StoreError.bodiesDamaged {}
  }

  func emptyDerivedTables(_ db: StoreConnection) throws {
    for table in LogTables.derivedTables { try db.run("DELETE FROM \(table)") }
  }

  /// Drops every projection and replays the log, as `NodeStore.rebuild`. No process appends
  /// meanwhile (reads go on); a body that fails its hash undoes the replay and is named.
  public func rebuild() throws {
    var damaged: [ChangeID] = []
    try writingLog(origins: []) { db in
      try db.run("LOCK TABLE changes IN EXCLUSIVE MODE")
      try emptyDerivedTables(db)
      try replayLog(operationRowsHeldBack: FoldBatch.defaultMaximumUnwritten, damaged: &damaged, db)
      if !damaged.isEmpty { throw StoreError.bodiesDamaged(damaged.map(\.hex)) }
    }
  }

  /// Over every projection, as `NodeStore.projectionDigest`: a hub and a node on SQLite that hold
  /// the same changes give the same digest. Each table is read through a cursor, a page at a
  /// time, in its key's byte order (`COLLATE "C"`), without the columns only a hub's search
  /// reads (`ProjectionRows.columns(of:)`).
  public func projectionDigest() throws -> String {
    try pool.transaction { connection in
      var digest = ProjectionDigest(digest: suiteDigest)
      for (table, key) in ProjectionDigest.tables {
        try connection.execute(
          """
          DECLARE projection NO SCROLL CURSOR FOR SELECT \(ProjectionRows.columns(of: table)) FROM \(table)
          ORDER BY \(key.joined(separator: ", "))
          """)
        var started = false
        while true {
          let page = try connection.execute("FETCH 2048 FROM projection")
          guard let first = page.first else { break }
          if !started {
            digest.beginTable(table, columns: first.columns.names)
            started = true
          }
          for row in page { digest.append(row) }
        }
        if !started { digest.beginTable(table, columns: []) }
        try connection.execute("CLOSE projection")
      }
      return digest.finalize()
    }
  }
}

extension ProjectionDigest {
  /// A row PostgreSQL returned, its values in the order of the columns named in `beginTable`.
  fileprivate mutating func append(_ row: SQLRow) {
    let values = row.values
    // Text and bytes are handed over in memory of their own, valid for the call.
    let buffers = values.map { value -> UnsafeMutableRawBufferPointer? in
      let bytes: [UInt8]
      switch value {
      case .text(let text): bytes = Array(text.utf8)
      case .bytes(let data): bytes = Array(data)
      default: return nil
      }
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
      buffer.copyBytes(from: bytes)
      return buffer
    }
    defer { buffers.forEach { $0?.deallocate() } }
    appendRow { column in
      switch values[column] {
      case .null: .null
      case .integer(let number): .integer(number)
      case .real(let number): .real(number)
      case .text: .text(UnsafeRawBufferPointer(buffers[column]!))
      case .bytes: .bytes(UnsafeRawBufferPointer(buffers[column]!))
      }
    }
  }
}
