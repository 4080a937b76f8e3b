import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

/// What one sync session with another node showed, kept to say later why a change has or has not
/// reached it (`Reach`).
public struct SyncSessionRecord: Sendable, Equatable {
  public var node: NodeID
  public var at: Date
  /// Per origin, what the node said in its Hello it held.
  public var told: [NodeID: UInt64]
  /// Per origin, how far this node sent, and how far the node acknowledged, in the session.
  public var sent: [NodeID: UInt64]
  public var acknowledged: [NodeID: UInt64]
  /// The changes it refused, with its code for each.
  public var refused: [ChangeID: String]

  public init(
    node: NodeID, at: Date, told: [NodeID: UInt64], sent: [NodeID: UInt64], acknowledged: [NodeID: UInt64],
    refused: [ChangeID: String]
  ) {
    self.node = node
    self.at = at
    self.told = told
    self.sent = sent
    self.acknowledged = acknowledged
    self.refused = refused
  }
}

extension SyncRecords where Self: SQLBackedStore {
  /// Replaces what the last session with `record.node` showed. Refusals are kept per change until
  /// the node says it holds the change.
  public func recordSyncSession(_ record: SyncSessionRecord) throws {
    try writingStore { db in
      let node = record.node.rawValue
      let at = Int64(clamping: record.at.unixMillis)
      try db.run(
        """
        INSERT INTO session_marks (node, at_millis) VALUES (?, ?)
        ON CONFLICT (node) DO UPDATE SET at_millis = excluded.at_millis
        """, node, at)
      try db.run("DELETE FROM session_vectors WHERE node = ?", node)
      for origin in Set(record.told.keys).union(record.sent.keys) {
        let told = record.told[origin] ?? 0
        try db.run(
          "INSERT INTO session_vectors (node, origin, told, sent, acknowledged) VALUES (?, ?, ?, ?, ?)",
          node, origin.rawValue, Int64(clamping: told), Int64(clamping: max(told, record.sent[origin] ?? 0)),
          Int64(clamping: max(told, record.acknowledged[origin] ?? 0)))
      }
      for (change, code) in record.refused {
        try db.run(
          """
          INSERT INTO refused_by_peers (node, change_id, code, at_millis) VALUES (?, ?, ?, ?)
          ON CONFLICT (node, change_id) DO UPDATE SET code = excluded.code, at_millis = excluded.at_millis
          """, node, change.bytes, code, at)
      }
      // What the node now says it holds, it no longer refuses.
      try db.run(
        """
        DELETE FROM refused_by_peers WHERE node = ? AND change_id IN (
          SELECT c.id FROM changes c JOIN session_vectors v ON v.node = ? AND v.origin = c.origin
          JOIN refused_by_peers r ON r.node = ? AND r.change_id = c.id
          WHERE c.sequence <= v.told)
        """, node, node, node)
    }
  }

  /// Per node, how many changes it refused in sync sessions and has not accepted since, by code.
  public func refusalsByPeers() throws -> [String: [String: Int]] {
    try snapshot { db in
      var counts: [String: [String: Int]] = [:]
      for row in try db.rows(
        "SELECT node, code, count(*) AS n FROM refused_by_peers GROUP BY node, code ORDER BY node, code")
      {
        counts[row["node"], default: [:]][row["code"]] = row["n"]
      }
      return counts
    }
  }

  /// What decides whether each of `changes` has reached `node` (`ReachFacts.reach`); changes not
  /// held here, not even as stubs, are left out.
  public func reachFacts(of changes: [ChangeID], at node: NodeID, configuredPeer: Bool) throws -> [ChangeID:
    ReachFacts]
  {
    func date(millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
    return try snapshot { db in
      let session = try db.firstRow("SELECT at_millis FROM session_marks WHERE node = ?", node.rawValue).map {
        date(millis: $0["at_millis"])
      }
      var facts: [ChangeID: ReachFacts] = [:]
      for id in changes {
        guard
          let row = try db.firstRow(
            "SELECT header, signature, CASE WHEN body IS NULL THEN 0 ELSE 1 END AS held FROM changes WHERE id = ?",
            id.bytes),
          let change = try? SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil)
        else { continue }
        let header = change.header
        let origin = header.origin.rawValue
        let proven: Int64? = try db.firstRow(
          """
          SELECT min(h.time_millis) AS proven FROM \(LogTables.checkpointsHolding)
          WHERE \(LogTables.holdingChangeAt) AND h.signer = ? AND \(LogTables.signerUnrevokedThen)
          """, origin, Int64(header.sequence), node.rawValue)?["proven"]
        let mark = try db.firstRow(
          "SELECT told, sent, acknowledged FROM session_vectors WHERE node = ? AND origin = ?", node.rawValue,
          origin)
        let refusal = try db.firstRow(
          "SELECT code, at_millis FROM refused_by_peers WHERE node = ? AND change_id = ?", node.rawValue,
          id.bytes)
        facts[id] = ReachFacts(
          origin: header.origin, sequence: header.sequence, node: node,
          audienceIncludesNode: header.audience.includes(node, origin: header.origin),
          provenSince: proven.map(date(millis:)),
          lastSession: session.map { at in
            SessionMark(
              at: at, told: UInt64(clamping: mark?["told"] as Int64? ?? 0),
              sent: UInt64(clamping: mark?["sent"] as Int64? ?? 0),
              acknowledged: UInt64(clamping: mark?["acknowledged"] as Int64? ?? 0))
          },
          refusal: refusal.map { ReachFacts.Refusal(code: $0["code"], at: date(millis: $0["at_millis"])) },
          contentHeldHere: row["held"], configuredPeer: configuredPeer)
      }
      return facts
    }
  }
}
