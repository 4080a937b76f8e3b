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

extension NodeStore {
  /// Replaces what the last session with `record.node` showed. Refusals are kept per change until
  /// the node says it holds the change.
  public func recordSyncSession(_ record: SyncSessionRecord) throws {
    try writeTransaction { db in
      let node = record.node.rawValue
      let at = Int64(clamping: record.at.unixMillis)
      try db.execute(
        sql: """
          INSERT INTO session_marks (node, at_millis) VALUES (?, ?)
          ON CONFLICT (node) DO UPDATE SET at_millis = excluded.at_millis
          """, arguments: [node, at])
      try db.execute(sql: "DELETE FROM session_vectors WHERE node = ?", arguments: [node])
      for origin in Set(record.told.keys).union(record.sent.keys) {
        let told = record.told[origin] ?? 0
        try db.execute(
          sql: "INSERT INTO session_vectors (node, origin, told, sent, acknowledged) VALUES (?, ?, ?, ?, ?)",
          arguments: [
            node, origin.rawValue, Int64(clamping: told),
            Int64(clamping: max(told, record.sent[origin] ?? 0)),
            Int64(clamping: max(told, record.acknowledged[origin] ?? 0)),
          ])
      }
      for (change, code) in record.refused {
        try db.execute(
          sql: """
            INSERT INTO refused_by_peers (node, change_id, code, at_millis) VALUES (?, ?, ?, ?)
            ON CONFLICT (node, change_id) DO UPDATE SET code = excluded.code, at_millis = excluded.at_millis
            """, arguments: [node, change.bytes, code, at])
      }
      // What the node now says it holds, it no longer refuses.
      try db.execute(
        sql: """
          DELETE FROM refused_by_peers WHERE node = ?1 AND change_id IN (
            SELECT c.id FROM changes c JOIN session_vectors v ON v.node = ?1 AND v.origin = c.origin
            JOIN refused_by_peers r ON r.node = ?1 AND r.change_id = c.id
            WHERE c.sequence <= v.told)
          """, arguments: [node])
    }
  }

  /// Per node, how many changes it refused in sync sessions and has not accepted since, by code.
  public func refusalsByPeers() throws -> [String: [String: Int]] {
    try read { db in
      var counts: [String: [String: Int]] = [:]
      for row in try Row.fetchAll(
        db,
        sql: "SELECT node, code, count(*) AS n FROM refused_by_peers GROUP BY node, code ORDER BY node, code")
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
    try read { db in
      let session = try Int64.fetchOne(
        db, sql: "SELECT at_millis FROM session_marks WHERE node = ?", arguments: [node.rawValue]
      ).map(Self.date(millis:))
      var facts: [ChangeID: ReachFacts] = [:]
      for id in changes {
        guard
          let row = try Row.fetchOne(
            db, sql: "SELECT header, signature, body IS NOT NULL AS held FROM changes WHERE id = ?",
            arguments: [id.bytes]),
          let change = try? SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil)
        else { continue }
        let header = change.header
        let origin = header.origin.rawValue
        let proven = try Int64.fetchOne(
          db,
          sql: """
            SELECT min(h.time_millis) FROM \(Self.checkpointsHolding)
            WHERE \(Self.holdingChangeAt) AND h.signer = ? AND \(Self.signerUnrevokedThen)
            """, arguments: [origin, Int64(header.sequence), node.rawValue])
        let mark = try Row.fetchOne(
          db, sql: "SELECT told, sent, acknowledged FROM session_vectors WHERE node = ? AND origin = ?",
          arguments: [node.rawValue, origin])
        let refusal = try Row.fetchOne(
          db, sql: "SELECT code, at_millis FROM refused_by_peers WHERE node = ? AND change_id = ?",
          arguments: [node.rawValue, id.bytes])
        facts[id] = ReachFacts(
          origin: header.origin, sequence: header.sequence, node: node,
          audienceIncludesNode: header.audience.includes(node, origin: header.origin),
          provenSince: proven.map(Self.date(millis:)),
          lastSession: session.map { at in
            SessionMark(
              at: at, told: UInt64(clamping: mark?["told"] as Int64? ?? 0),
              sent: UInt64(clamping: mark?["sent"] as Int64? ?? 0),
              acknowledged: UInt64(clamping: mark?["acknowledged"] as Int64? ?? 0))
          },
          refusal: refusal.map {
            ReachFacts.Refusal(code: $0["code"], at: Self.date(millis: $0["at_millis"]))
          },
          contentHeldHere: row["held"], configuredPeer: configuredPeer)
      }
      return facts
    }
  }

  private static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}
