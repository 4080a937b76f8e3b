import Foundation
import GRDB
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
  /// Operation-index rows not written yet. Written as each change was indexed, their random
  /// object IDs sent every insert to another part of the index; written in key order, each lands
  /// beside the one before (BENCHMARKS.md, B2: 8% of a bulk sync).
  private var unwritten: [OperationRow] = []
  /// Rows held back at most, so that replaying a whole log (`rebuild`) stays bounded.
  private let maximumUnwritten: Int
  static let defaultMaximumUnwritten = 65_536

  init(maximumUnwritten: Int = defaultMaximumUnwritten) { self.maximumUnwritten = maximumUnwritten }

  /// Indexes the operations of a change that has a body (`body`, decoded), and marks their
  /// objects for refolding.
  mutating func index(_ change: SignedChange, _ body: ChangeBody?, _ db: Database) throws {
    guard let body else { return }
    bodies.remember(change, body)
    indexed.insert(change.id)
    for (index, operation) in body.operations.enumerated() {
      switch operation.action {
      case .announceNode, .publishManifest: continue  // registries, not objects
      default: break
      }
      unwritten.append(OperationRow(object: operation.objectID, change: change.id, index: index))
      touched.insert(operation.objectID)
    }
    if unwritten.count >= maximumUnwritten { try writeOperationRows(db) }
  }

  /// Writes the operation-index rows held back, in key order.
  private mutating func writeOperationRows(_ db: Database) throws {
    for row in unwritten.sorted() {
      try db.run(
        "INSERT OR IGNORE INTO p_operations (object_id, change_id, op_index) VALUES (?, ?, ?)",
        row.object.bytes, row.change.bytes, row.index)
    }
    unwritten = []
  }

  /// Refolds every touched object and writes its projection row and its refusals.
  mutating func refold(_ db: Database) throws {
    try writeOperationRows(db)
    for object in touched.sorted() {
      var records: [OperationRecord] = []
      var isNew = true
      var operations: [(ChangeID, Int)] = []
      try db.forEachRow("SELECT change_id, op_index FROM p_operations WHERE object_id = ?", object.bytes) {
        operations.append((ChangeID(bytes: $0.data(0))!, Int($0.int64(1))))
      }
      for (changeID, index) in operations {
        isNew = isNew && indexed.contains(changeID)
        guard let (header, body) = try bodies.load(changeID, db) else { continue }
        records.append(
          OperationRecord(
            order: OrderKey(time: header.time, origin: header.origin, change: changeID, index: index),
            officer: body.officer, audience: header.audience, operation: body.operations[index]))
      }
      let result = ObjectFold.fold(records)
      try ProjectionRows.write(object, result, replacing: !isNew, db)
    }
  }
}

/// One row of the operation index, ordered as the index orders it.
private struct OperationRow: Comparable {
  var object: ObjectID
  var change: ChangeID
  var index: Int

  static func < (a: OperationRow, b: OperationRow) -> Bool {
    (a.object, a.change, a.index) < (b.object, b.change, b.index)
  }
}

/// Decoded bodies by change, so a change of many operations is decoded once per refold.
private struct BodyCache {
  private var cache: [ChangeID: (ChangeHeader, ChangeBody)] = [:]

  mutating func remember(_ change: SignedChange, _ body: ChangeBody) {
    cache[change.id] = (change.header, body)
  }

  mutating func load(_ id: ChangeID, _ db: Database) throws -> (ChangeHeader, ChangeBody)? {
    if let hit = cache[id] { return hit }
    guard
      let row = try Row.fetchOne(
        db, sql: "SELECT header, signature, body FROM changes WHERE id = ?", arguments: [id.bytes]),
      let change = try? SignedChange(
        headerBytes: row["header"], signature: row["signature"], body: row["body"]),
      let body = change.decodedBody()
    else { return nil }
    cache[id] = (change.header, body)
    return (change.header, body)
  }
}
