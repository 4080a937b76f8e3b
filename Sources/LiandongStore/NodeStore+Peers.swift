import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

/// A peer this node syncs with, and how the last attempts went.
public struct PeerView: Codable, Sendable, Equatable {
  public var node: String
  public var address: String
  public var addedAt: String
  public var lastSuccess: String?
  public var lastFailure: String?
  public var lastError: String?
  /// Changes this node stored after its last successful sync with the peer: an upper bound of
  /// what the peer still lacks from here (nil before the first success).
  public var changesSinceSuccess: Int?
}

extension NodeStore {
  /// Adds or updates a peer. `address` is HOST:PORT.
  public func addPeer(_ node: NodeID, address: String) throws {
    try writeTransaction { db in
      try db.execute(
        sql: """
          INSERT INTO peers (node, address, added_at) VALUES (?, ?, ?)
          ON CONFLICT (node) DO UPDATE SET address = excluded.address
          """,
        arguments: [node.rawValue, address, Date().iso8601])
    }
  }

  /// Removes a peer; false if there was none.
  public func removePeer(_ node: NodeID) throws -> Bool {
    try writeTransaction { db in
      try db.execute(sql: "DELETE FROM peers WHERE node = ?", arguments: [node.rawValue])
      return db.changesCount > 0
    }
  }

  public func peers() throws -> [PeerView] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.*, CASE WHEN p.log_position_at_success IS NOT NULL THEN
            (SELECT count(*) FROM changes c WHERE c.rowid > p.log_position_at_success) END AS since_success
          FROM peers p ORDER BY node
          """
      ).map {
        PeerView(
          node: $0["node"], address: $0["address"], addedAt: $0["added_at"], lastSuccess: $0["last_success"],
          lastFailure: $0["last_failure"], lastError: $0["last_error"],
          changesSinceSuccess: $0["since_success"])
      }
    }
  }

  /// Records a configured peer's clock as its Hello showed it (nothing for a peer not configured).
  public func recordPeerClock(of node: NodeID, offsetMillis: Int64, measuredAtMillis: UInt64) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE peers SET clock_offset_millis = ?, clock_measured_at_millis = ? WHERE node = ?",
        arguments: [offsetMillis, Int64(clamping: measuredAtMillis), node.rawValue])
    }
  }

  /// The last clock reading of every configured peer that has one.
  public func peerClockReadings() throws -> [PeerClockReading] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT node, clock_offset_millis, clock_measured_at_millis FROM peers
          WHERE clock_offset_millis IS NOT NULL AND clock_measured_at_millis IS NOT NULL ORDER BY node
          """
      ).map {
        PeerClockReading(
          peer: $0["node"], offsetMillis: $0["clock_offset_millis"],
          measuredAtMillis: UInt64(clamping: $0["clock_measured_at_millis"] as Int64))
      }
    }
  }

  /// Records the outcome of a sync attempt with a peer, for `peer list` and `status`.
  public func recordSyncAttempt(with node: NodeID, error: String?) throws {
    try writeTransaction { db in
      if let error {
        try db.execute(
          sql: "UPDATE peers SET last_failure = ?, last_error = ? WHERE node = ?",
          arguments: [Date().iso8601, error, node.rawValue])
      } else {
        try db.execute(
          sql: """
            UPDATE peers SET last_success = ?, last_error = NULL,
              log_position_at_success = (SELECT coalesce(max(rowid), 0) FROM changes) WHERE node = ?
            """,
          arguments: [Date().iso8601, node.rawValue])
      }
    }
  }
}
