import Foundation
import LiandongCore
import LiandongCrypto

/// That a node other than its origin held a change no later than a time, in a form anyone can
/// check without Liandong: the witness's signed checkpoint names a head of the origin's chain, and
/// the chain's headers from the change up to that head link by hash (each names its
/// predecessor's). Evidence bundles carry one per change and witness.
public struct ReceiptProof: Sendable {
  public var change: ChangeID
  public var checkpoint: SignedCheckpoint
  /// Where the checkpoint reaches in the change's origin: its sequence and head.
  public var sequence: UInt64
  public var head: ChangeID
  /// The origin's changes after `change` up to the head, in order (headers only are needed).
  public var chain: [SignedChange]

  public var witness: NodeID { checkpoint.checkpoint.node }
}

extension CheckpointRecords where Self: LogBackedStore {
  /// For each change, the earliest checkpoint of every other node (than the change's origin) that
  /// holds it, with the chain from the change to the checkpoint's head. The earliest is also the
  /// one nearest the change, since what a node holds only grows. A checkpoint signed by a
  /// certificate revoked by then proves nothing and is left out.
  public func receiptProofs(of changes: [SignedChange]) throws -> [ReceiptProof] {
    try snapshot { db in
      var proofs: [ReceiptProof] = []
      for change in changes {
        let header = change.header
        let origin = header.origin.rawValue
        var seen = Set<String>()
        for row in try db.rows(
          """
          SELECT h.signer, h.sequence, h.head, k.bytes, k.signature FROM \(LogTables.checkpointsHolding)
          JOIN checkpoints k ON k.signer = h.signer AND k.time_millis = h.time_millis
          WHERE \(LogTables.holdingChangeAt) AND h.signer <> ? AND \(LogTables.signerUnrevokedThen)
          ORDER BY h.signer, h.time_millis
          """, origin, Int64(header.sequence), origin)
        {
          let signer: String = row["signer"]
          guard seen.insert(signer).inserted,
            let head = ChangeID(bytes: row["head"]),
            let checkpoint = try? SignedCheckpoint(bytes: row["bytes"], signature: row["signature"])
          else { continue }
          let sequence = UInt64(row["sequence"] as Int64)
          let chain = try db.rows(
            """
            SELECT header, signature FROM changes WHERE origin = ? AND sequence > ? AND sequence <= ?
            ORDER BY sequence
            """, origin, Int64(header.sequence), Int64(sequence)
          ).map { try SignedChange(headerBytes: $0["header"], signature: $0["signature"], body: nil) }
          proofs.append(
            ReceiptProof(
              change: change.id, checkpoint: checkpoint, sequence: sequence, head: head, chain: chain))
        }
      }
      return proofs
    }
  }
}

extension CheckpointRecords where Self: LogBackedStore {
  /// When `node` is first proven, by its own checkpoint, to have held the change that created
  /// `object` (the earliest change that acts on it): the receipt a deadline "from receipt" runs
  /// from (DOMAIN.md). Nil until such a checkpoint is held here, and when `node` is outside that
  /// change's audience: holding its stub is no receipt of what it says.
  public func receipt(of object: ObjectID, by node: NodeID) throws -> Date? {
    try snapshot { db in
      guard
        let row = try db.firstRow(
          """
          SELECT c.header, c.signature FROM p_operations o JOIN changes c ON c.id = o.change_id
          WHERE o.object_id = ? ORDER BY c.hlc_wall, c.hlc_counter LIMIT 1
          """, object.bytes),
        let created = try? SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil),
        created.header.audience.includes(node, origin: created.header.origin)
      else { return nil }
      let millis: Int64? = try db.firstRow(
        """
        SELECT min(h.time_millis) AS proven FROM \(LogTables.checkpointsHolding)
        WHERE \(LogTables.holdingChangeAt) AND h.signer = ? AND \(LogTables.signerUnrevokedThen)
        """, created.header.origin.rawValue, Int64(created.header.sequence), node.rawValue)?["proven"]
      return millis.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }
  }
}
