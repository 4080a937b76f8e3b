import CLibPQ

/// Writes inside a transaction go out in libpq's pipeline mode: sent without waiting for the
/// server, their results read at the next statement that returns rows, at `COMMIT`, or every
/// `maximumPipelined` writes. A sync session's transaction writes a row or more for each change;
/// waiting for each was most of the hub's ingest time, and meanwhile the server and this process
/// now work at once.
///
/// The server runs the statements in the order they were sent, so a read sees every write sent
/// before it. A write that fails is reported by the next statement instead of its own call; in
/// a transaction that changes nothing: PostgreSQL aborts the whole transaction on any failure,
/// and `transaction` rolls it back (or runs it again) either way.
extension PostgresConnection {
  /// Results a write leaves unread are small (tens of bytes), so this many stay well within the
  /// socket's buffers: the server never blocks writing them while this process is still sending.
  static let maximumPipelined = 256

  /// Inserts one row with `inserts`: in a transaction, held back while the statements that
  /// follow insert rows the same way, and sent `inserts.rowsPerStatement` to a statement
  /// (pipelined, as `send`). Any other statement sends the rows held back first, so it sees them.
  /// A sync inserts a change's row for each change it brings: in a statement of many rows, each
  /// costs the server a fraction of a statement of its own.
  func coalesce(_ inserts: RowInserts, _ row: [SQLValue]) throws(PostgresError) {
    guard inTransaction else {
      try rows(inserts.one, row)
      return
    }
    if let held = heldRows, held.inserts.one != inserts.one { try sendHeldRows() }
    if heldRows == nil { heldRows = HeldRows(inserts: inserts, values: [], count: 0) }
    heldRows!.values += row
    heldRows!.count += 1
    if heldRows!.count == inserts.rowsPerStatement {
      let full = heldRows!
      heldRows = nil
      try sendNow(inserts.many, full.values)
    }
  }

  /// Sends the rows `coalesce` holds back, each with its statement for one row.
  func sendHeldRows() throws(PostgresError) {
    guard let held = heldRows else { return }
    heldRows = nil
    let width = held.values.count / held.count
    for start in stride(from: 0, to: held.values.count, by: width) {
      try sendNow(held.inserts.one, Array(held.values[start..<start + width]))
    }
  }

  /// Runs a statement that returns no rows: in a transaction, pipelined (its failure reported
  /// by a later call); outside one, at once, as `rows`.
  func send(_ sql: String, _ arguments: [SQLValue]) throws(PostgresError) {
    try sendHeldRows()
    try sendNow(sql, arguments)
  }

  private func sendNow(_ sql: String, _ arguments: [SQLValue]) throws(PostgresError) {
    guard inTransaction else {
      try rows(sql, arguments)
      return
    }
    let name: String?
    if let known = preparedNames[sql] {
      name = known
    } else {
      // Preparing waits for the server, which pipeline mode does not allow: once per statement.
      try finishPipeline()
      name = try prepared(sql, parameters: arguments.count)
    }
    if PQpipelineStatus(handle) == PQ_PIPELINE_OFF {
      guard PQenterPipelineMode(handle) == 1 else { throw failure(nil) }
    }
    statementsRun += 1
    let bound = arguments.map(BoundParameter.init)
    defer { bound.forEach { $0.free() } }
    let values = bound.map { UnsafePointer($0.pointer) }
    let sent =
      if let name {
        PQsendQueryPrepared(
          handle, name, Int32(bound.count), values, bound.map(\.length), bound.map(\.format), 0)
      } else {
        PQsendQueryParams(
          handle, Self.numberingPlaceholders(sql), Int32(bound.count), nil, values, bound.map(\.length),
          bound.map(\.format), 0)
      }
    guard sent == 1 else { throw failure(nil) }
    pipelined += 1
    if pipelined >= Self.maximumPipelined { try finishPipeline() }
  }

  /// Whether the pool may hand the connection out again: open, and out of pipeline mode (a
  /// failure that left it in pipeline mode would refuse every statement of the next caller).
  var isReusable: Bool { isOpen && PQpipelineStatus(handle) == PQ_PIPELINE_OFF }

  /// Reads the results of every pipelined write and leaves pipeline mode; throws the first
  /// write's failure. Does nothing when no write is pipelined.
  func finishPipeline() throws(PostgresError) {
    guard PQpipelineStatus(handle) != PQ_PIPELINE_OFF else { return }
    let expected = pipelined
    pipelined = 0
    guard PQpipelineSync(handle) == 1 else { throw failure(nil) }
    var firstFailure: PostgresError?
    // Each write's results end with a NULL; the sync point's result comes last. A lost
    // connection ends them early.
    var ends = 0
    readResults: while ends <= expected {
      guard let result = PQgetResult(handle) else {
        ends += 1
        if !isOpen { break }
        continue
      }
      defer { PQclear(result) }
      switch PQresultStatus(result) {
      case PGRES_PIPELINE_SYNC: break readResults
      case PGRES_FATAL_ERROR, PGRES_BAD_RESPONSE: firstFailure = firstFailure ?? failure(result)
      default: continue  // done, or skipped after a failure (PGRES_PIPELINE_ABORTED)
      }
    }
    if PQexitPipelineMode(handle) != 1 { firstFailure = firstFailure ?? failure(nil) }
    if let firstFailure { throw firstFailure }
  }
}
