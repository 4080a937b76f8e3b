import Foundation
import LiandongCore

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

/// The peers this node syncs with, and how each sync went.
public protocol PeerDirectory: Sendable {
  func peers() throws -> [PeerView]
  /// Adds or updates a peer. `address` is HOST:PORT.
  func addPeer(_ node: NodeID, address: String) throws
  /// Removes a peer; false if there was none.
  func removePeer(_ node: NodeID) throws -> Bool
  /// Records the outcome of a sync attempt with a peer, for `peer list` and `status`.
  func recordSyncAttempt(with node: NodeID, error: String?) throws
  /// A configured peer's clock, as its Hello showed it (`ClockAgreement`); nothing for a peer
  /// not configured.
  func recordPeerClock(of node: NodeID, offsetMillis: Int64, measuredAtMillis: UInt64) throws
  /// The last clock reading of every configured peer that has one.
  func peerClockReadings() throws -> [PeerClockReading]
}

/// The peers role, written once for both engines. A peer's "changes since its last success"
/// counts the log's rows past the position the log had then: SQLite's `rowid`, and the column
/// of that name the PostgreSQL store's log numbers its rows by.
extension PeerDirectory where Self: SQLBackedStore {
  public func addPeer(_ node: NodeID, address: String) throws {
    try writing {
      try $0.rows(
        """
        INSERT INTO peers (node, address, added_at) VALUES (?, ?, ?)
        ON CONFLICT (node) DO UPDATE SET address = excluded.address
        """, [.text(node.rawValue), .text(address), SQLValue(Date())])
    }
  }

  public func removePeer(_ node: NodeID) throws -> Bool {
    try writing {
      try !$0.rows("DELETE FROM peers WHERE node = ? RETURNING node", [.text(node.rawValue)]).isEmpty
    }
  }

  public func peers() throws -> [PeerView] {
    try reading {
      try $0.rows(
        """
        SELECT p.node, p.address, p.added_at, p.last_success, p.last_failure, p.last_error,
          CASE WHEN p.log_position_at_success IS NOT NULL THEN
            (SELECT count(*) FROM changes c WHERE c.rowid > p.log_position_at_success) END AS since_success
        FROM peers p ORDER BY p.node
        """, []
      ).map {
        PeerView(
          node: $0.string("node") ?? "", address: $0.string("address") ?? "",
          addedAt: $0.string("added_at") ?? "",
          lastSuccess: $0.string("last_success"), lastFailure: $0.string("last_failure"),
          lastError: $0.string("last_error"), changesSinceSuccess: $0.integer("since_success").map { Int($0) }
        )
      }
    }
  }

  public func recordPeerClock(of node: NodeID, offsetMillis: Int64, measuredAtMillis: UInt64) throws {
    try writing {
      try $0.rows(
        "UPDATE peers SET clock_offset_millis = ?, clock_measured_at_millis = ? WHERE node = ?",
        [.integer(offsetMillis), .integer(Int64(clamping: measuredAtMillis)), .text(node.rawValue)])
    }
  }

  public func peerClockReadings() throws -> [PeerClockReading] {
    try reading {
      try $0.rows(
        """
        SELECT node, clock_offset_millis, clock_measured_at_millis FROM peers
        WHERE clock_offset_millis IS NOT NULL AND clock_measured_at_millis IS NOT NULL ORDER BY node
        """, []
      ).map {
        PeerClockReading(
          peer: $0.string("node") ?? "", offsetMillis: $0.integer("clock_offset_millis") ?? 0,
          measuredAtMillis: UInt64(clamping: $0.integer("clock_measured_at_millis") ?? 0))
      }
    }
  }

  public func recordSyncAttempt(with node: NodeID, error: String?) throws {
    try writing {
      if let error {
        try $0.rows(
          "UPDATE peers SET last_failure = ?, last_error = ? WHERE node = ?",
          [SQLValue(Date()), .text(error), .text(node.rawValue)])
      } else {
        try $0.rows(
          """
          UPDATE peers SET last_success = ?, last_error = NULL,
            log_position_at_success = (SELECT coalesce(max(rowid), 0) FROM changes) WHERE node = ?
          """, [SQLValue(Date()), .text(node.rawValue)])
      }
    }
  }
}
