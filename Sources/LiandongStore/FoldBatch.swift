import Foundation
import LiandongCore

/// The objects a transaction touched. Each is refolded once, from all of its operations, at the
/// end of the transaction: the result depends only on the set of operations, never on the order
/// they arrived in, which is what makes nodes with the same changes agree.
struct FoldBatch {
  private var touched = Set<ObjectID>()
  /// Bodies decoded while indexing, reused by the refold: each body is decoded once.
  private var bodies = BodyCache()
  /// The changes indexed in this transaction. An object whose every operation is among them had
  /// no operations, so no projection rows, before it: its rows are inserted without the seventeen
  /// deletes a replacement needs, which were most of a bulk import's writes.
  private var indexed = Set<ChangeID>()
  /// Changes whose body came back after it was set aside as damaged: their objects kept the
  /// projection rows folded from the good body, so they are replaced, never inserted again.
  private var refilled = Set<ChangeID>()
  /// The changes indexed, in order: operation rows name their change by its place here, so that
  /// sorting the rows moves plain numbers (sorting rows that held the IDs' `Data` was a twentieth
  /// of a bulk sync's committer).
  private var changeIDs: [ChangeID] = []
  /// Operation-index rows not written yet. Written as each change was indexed, their random
  /// object IDs sent every insert to another part of the index; written in key order, each lands
  /// beside the one before (BENCHMARKS.md, B2: 8% of a bulk sync).
  private var unwritten: [OperationRow] = []
  /// Whether some rows were written before the refold, because `maximumUnwritten` were waiting.
  /// Until then, the index holds only operations of earlier transactions.
  private var wroteEarly = false
  /// Objects acted on by changes a clock correction re-timed: folded again from the index, since
  /// their operations' order may have changed (`ChainTime`).
  private var reordered = Set<ObjectID>()
  /// Whether the store holds re-timed changes at all, asked once: nearly always it does not.
  private var anyRetimed: Bool?
  /// The refolded objects' projection rows, some of them gathered until the refold ends.
  private var projections = ProjectionRows()
  /// Rows held back at most, so that replaying a whole log (`rebuild`) stays bounded.
  private let maximumUnwritten: Int
  static let defaultMaximumUnwritten = 65_536

  init(maximumUnwritten: Int = defaultMaximumUnwritten) { self.maximumUnwritten = maximumUnwritten }

  /// `index` for a body that arrived for a stub this node held, which may be one it had folded
  /// before its stored copy was found damaged (`NodeStore+DamagedBodies`).
  mutating func indexFilled(_ change: SignedChange, _ body: ChangeBody?, _ db: StoreConnection) throws {
    refilled.insert(change.id)
    try index(change, body, db)
  }

  /// Indexes the operations of a change that has a body (`body`, decoded), and marks their
  /// objects for refolding.
  mutating func index(_ change: SignedChange, _ body: ChangeBody?, _ db: StoreConnection) throws {
    // A change indexed again in the same transaction names the same rows: nothing to add.
    guard let body, indexed.insert(change.id).inserted else { return }
    bodies.remember(change, body)
    let place = changeIDs.count
    changeIDs.append(change.id)
    for (index, operation) in body.operations.enumerated() where Self.actsOnObject(operation) {
      unwritten.append(OperationRow(object: operation.objectID, change: place, index: index))
      touched.insert(operation.objectID)
    }
    if unwritten.count >= maximumUnwritten {
      try write(sortedRows(), db)
      wroteEarly = true
    }
  }

  /// A change a clock correction re-timed, folded here before: its objects are folded again.
  mutating func reorder(_ change: ChangeID, _ db: StoreConnection) throws {
    guard let (_, body) = try bodies.load(change, db) else { return }
    for operation in body.operations where Self.actsOnObject(operation) {
      reordered.insert(operation.objectID)
    }
  }

  /// Registries (certificates, manifests, CRLs) and clock corrections are not objects.
  private static func actsOnObject(_ operation: DomainOperation) -> Bool {
    switch operation.action {
    case .announceNode, .publishManifest, .publishRevocationLists, .correctClock: false
    default: true
    }
  }

  /// The rows held back, in the index's key order (object, change, operation).
  private mutating func sortedRows() -> [OperationRow] {
    let changeIDs = self.changeIDs
    var rows = unwritten
    unwritten = []
    rows.sort { a, b in
      if a.object != b.object { return a.object < b.object }
      if a.change != b.change { return changeIDs[a.change] < changeIDs[b.change] }
      return a.index < b.index
    }
    return rows
  }

  /// Writes operation-index rows, in the order given, many to a statement.
  private func write(_ rows: [OperationRow], _ db: StoreConnection) throws {
    try db.insert(rows, with: Self.operationRows) { row, placeholders in
      try placeholders.bind(row.object.bytes)
      try placeholders.bind(changeIDs[row.change].bytes)
      try placeholders.bind(row.index)
    }
  }

  private static let operationRows = RowInserts(
    "p_operations", orIgnore: true, rowsPerStatement: 64, columns: ["object_id", "change_id", "op_index"])

  /// Refolds every touched object and writes its projection row and its refusals.
  ///
  /// An object the index held no operations for before this transaction is folded from the rows
  /// held back alone, without reading them back from the index. A bulk sync or import touches
  /// hundreds of thousands of new objects, and reading each one's rows back was an eighth of its
  /// committer's time (BENCHMARKS.md, B2). Which objects the index did hold is asked beforehand,
  /// a few hundred to a query.
  mutating func refold(_ db: StoreConnection) throws {
    try db.holdFold()
    let rows = sortedRows()
    guard !wroteEarly else {
      try write(rows, db)
      for object in touched.union(reordered).sorted() { try refold(object, fromIndex: db) }
      return try projections.flush(db)
    }
    let indexedBefore = try objectsIndexed(among: rows, db)
    try write(rows, db)
    var start = rows.startIndex
    while start < rows.endIndex {
      let object = rows[start].object
      var end = start + 1
      while end < rows.endIndex, rows[end].object == object { end += 1 }
      if indexedBefore.contains(object)
        || rows[start..<end].contains(where: { refilled.contains(changeIDs[$0.change]) })
      {
        try refold(object, fromIndex: db)
      } else {
        let operations = rows[start..<end].map { (changeIDs[$0.change], $0.index) }
        try refold(object, operations, isNew: true, db)
      }
      start = end
    }
    for object in reordered.subtracting(rows.map(\.object)).sorted() { try refold(object, fromIndex: db) }
    try projections.flush(db)
  }

  /// Refolds `object` from all of its operations in the index.
  private mutating func refold(_ object: ObjectID, fromIndex db: StoreConnection) throws {
    var operations: [(ChangeID, Int)] = []
    try db.forEachRow("SELECT change_id, op_index FROM p_operations WHERE object_id = ?", object.bytes) {
      operations.append((ChangeID(bytes: $0.data(0))!, Int($0.int64(1))))
    }
    let isNew = operations.allSatisfy { indexed.contains($0.0) && !refilled.contains($0.0) }
    try refold(object, operations, isNew: isNew, db)
  }

  /// Folds `object` from `operations` (every operation it has) and writes the result; `isNew`
  /// when it had no projection rows to replace.
  private mutating func refold(
    _ object: ObjectID, _ operations: [(ChangeID, Int)], isNew: Bool, _ db: StoreConnection
  )
    throws
  {
    var records: [OperationRecord] = []
    for (changeID, index) in operations {
      guard let (header, body) = try bodies.load(changeID, db) else { continue }
      records.append(
        OperationRecord(
          order: OrderKey(
            time: try timeInEffect(of: changeID, stamp: header.time, db), origin: header.origin,
            sequence: header.sequence, change: changeID, index: index),
          officer: body.officer, audience: header.audience, operation: body.operations[index]))
    }
    try projections.write(object, ObjectFold.fold(records), replacing: !isNew, db)
  }

  /// A change's time in effect (`ChainTime`): its stamp, unless a clock correction re-timed it.
  private mutating func timeInEffect(of change: ChangeID, stamp: HLCTimestamp, _ db: StoreConnection) throws
    -> HLCTimestamp
  {
    if anyRetimed == nil {
      anyRetimed = try db.exists("SELECT 1 FROM retimed_changes LIMIT 1")
    }
    guard anyRetimed == true else { return stamp }
    return try LogTables.timeInEffect(of: change, stamp: stamp, db)
  }

  /// The objects among `rows` that the index holds operations for.
  private func objectsIndexed(among rows: [OperationRow], _ db: StoreConnection) throws -> Set<ObjectID> {
    var objects: [ObjectID] = []
    for row in rows where objects.last != row.object { objects.append(row.object) }
    var found = Set<ObjectID>()
    let width = Self.objectsPerQuery
    for start in stride(from: 0, to: objects.count, by: width) {
      // The last query repeats its last object to fill every placeholder: one statement, cached.
      let chunk = (start..<start + width).map { objects[min($0, objects.count - 1)].bytes }
      try db.forEachRow(db.objectsIndexedQuery, binding: chunk) {
        if let object = ObjectID(bytes: $0.data(0)) { found.insert(object) }
      }
    }
    return found
  }

  static let objectsPerQuery = 256
}

extension StoreConnection {
  /// Which of `FoldBatch.objectsPerQuery` objects the operation index holds. SQLite looks each
  /// value of an `IN` list up in the index. PostgreSQL, until it has analysed a table that grows
  /// by hundreds of thousands of rows within one import, takes each value to match a two-hundredth
  /// of the table, and so read the whole table for each list: the largest part of a hub's bulk
  /// import. Asked as a semi-join of the values, each is looked up in the index whatever the
  /// statistics say (`PostgresChangeLogTests.objectsIndexedAreLookedUpInTheIndex`).
  var objectsIndexedQuery: String {
    switch self {
    case .sqlite: Self.objectsIndexedInList
    case .postgres: Self.objectsIndexedSemiJoin
    }
  }

  private static let objectsIndexedInList =
    "SELECT DISTINCT object_id FROM p_operations WHERE object_id IN ("
    + Array(repeating: "?", count: FoldBatch.objectsPerQuery).joined(separator: ", ") + ")"

  private static let objectsIndexedSemiJoin =
    "SELECT k.column1 FROM (VALUES "
    + Array(repeating: "(?::bytea)", count: FoldBatch.objectsPerQuery).joined(separator: ", ")
    + ") AS k WHERE EXISTS (SELECT 1 FROM p_operations o WHERE o.object_id = k.column1)"
}

/// One row of the operation index; its change is named by its place in `FoldBatch.changeIDs`.
private struct OperationRow {
  var object: ObjectID
  var change: Int
  var index: Int
}

/// Decoded bodies by change, so a change of many operations is decoded once per refold.
private struct BodyCache {
  private var cache: [ChangeID: (ChangeHeader, ChangeBody)] = [:]

  mutating func remember(_ change: SignedChange, _ body: ChangeBody) {
    cache[change.id] = (change.header, body)
  }

  mutating func load(_ id: ChangeID, _ db: StoreConnection) throws -> (ChangeHeader, ChangeBody)? {
    if let hit = cache[id] { return hit }
    guard
      let row = try db.firstRow("SELECT header, signature, body FROM changes WHERE id = ?", id.bytes),
      let change = try? SignedChange(
        headerBytes: row.bytes("header")!, signature: row.bytes("signature")!, body: row.bytes("body")),
      let body = change.decodedBody()
    else { return nil }
    cache[id] = (change.header, body)
    return (change.header, body)
  }
}
