import Foundation
import GRDB
import LiandongCore

/// A person's account on this node. Accounts are the node's own: they are never synced.
public struct AccountView: Codable, Sendable, Equatable {
  public var name: String
  public var role: OfficerRole
  public var createdAt: String
  public var disabledAt: String?
  /// API tokens that are neither expired nor revoked.
  public var activeTokens: Int
}

/// A stored API token: only its SHA-256 is kept, so a copy of the database reveals no token.
public struct TokenRecord: Sendable, Equatable {
  public var account: String
  public var label: String
  public var expiresAt: Date
  public var revokedAt: Date?
}

/// The accounts and API tokens of this node, and the results of idempotent requests.
public protocol AccountDirectory: Sendable {
  func accounts() throws -> [AccountView]
  func account(_ name: String) throws -> AccountView?
  /// False if an account of that name exists already.
  func addAccount(_ name: String, role: OfficerRole, at: Date) throws -> Bool
  func disableAccount(_ name: String, at: Date) throws -> Bool
  func addToken(sha256: Data, account: String, label: String, at: Date, expiresAt: Date) throws
  func token(sha256: Data) throws -> TokenRecord?
  /// Revokes every token of the account; returns how many were active.
  func revokeTokens(of account: String, at: Date) throws -> Int
  func idempotentResult(account: String, key: String) throws -> (requestSHA256: Data, result: Data)?
  func recordIdempotentResult(account: String, key: String, requestSHA256: Data, result: Data, at: Date)
    throws
}

extension NodeStore: AccountDirectory {
  public func accounts() throws -> [AccountView] {
    try read { db in try Row.fetchAll(db, sql: Self.accountQuery + " ORDER BY a.name").map(Self.accountView) }
  }

  public func account(_ name: String) throws -> AccountView? {
    try read { db in
      try Row.fetchOne(db, sql: Self.accountQuery + " WHERE a.name = ?", arguments: [name]).map(
        Self.accountView)
    }
  }

  public func addAccount(_ name: String, role: OfficerRole, at: Date) throws -> Bool {
    try writeTransaction { db in
      try db.execute(
        sql: "INSERT INTO accounts (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        arguments: [name, role.rawValue, at.iso8601])
      return db.changesCount > 0
    }
  }

  public func disableAccount(_ name: String, at: Date) throws -> Bool {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL",
        arguments: [at.iso8601, name])
      return db.changesCount > 0
    }
  }

  public func addToken(sha256: Data, account: String, label: String, at: Date, expiresAt: Date) throws {
    try writeTransaction { db in
      try db.execute(
        sql: """
          INSERT INTO account_tokens (token_sha256, account, label, created_at, expires_at)
          VALUES (?, ?, ?, ?, ?)
          """,
        arguments: [sha256, account, label, at.iso8601, expiresAt.iso8601])
    }
  }

  public func token(sha256: Data) throws -> TokenRecord? {
    try read { db in
      try Row.fetchOne(db, sql: "SELECT * FROM account_tokens WHERE token_sha256 = ?", arguments: [sha256])
        .map {
          TokenRecord(
            account: $0["account"], label: $0["label"],
            expiresAt: Self.instant($0["expires_at"]) ?? .distantPast,
            revokedAt: ($0["revoked_at"] as String?).flatMap(Self.instant))
        }
    }
  }

  public func revokeTokens(of account: String, at: Date) throws -> Int {
    try writeTransaction { db in
      try db.execute(
        sql:
          "UPDATE account_tokens SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL AND expires_at > ?",
        arguments: [at.iso8601, account, at.iso8601])
      return db.changesCount
    }
  }

  public func idempotentResult(account: String, key: String) throws -> (requestSHA256: Data, result: Data)? {
    try read { db in
      try Row.fetchOne(
        db, sql: "SELECT request_sha256, result FROM idempotent_results WHERE account = ? AND key = ?",
        arguments: [account, key]
      ).map { ($0["request_sha256"], $0["result"]) }
    }
  }

  public func recordIdempotentResult(
    account: String, key: String, requestSHA256: Data, result: Data, at: Date
  ) throws {
    try writeTransaction { db in
      try db.execute(
        sql: """
          INSERT INTO idempotent_results (account, key, request_sha256, result, created_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (account, key) DO NOTHING
          """,
        arguments: [account, key, requestSHA256, result, at.iso8601])
    }
  }

  private static let accountQuery = """
    SELECT a.*, (SELECT count(*) FROM account_tokens t WHERE t.account = a.name AND t.revoked_at IS NULL
      AND t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) AS active_tokens
    FROM accounts a
    """

  private static func accountView(_ row: Row) throws -> AccountView {
    AccountView(
      name: row["name"], role: try OfficerRole(canonical: row["role"]), createdAt: row["created_at"],
      disabledAt: row["disabled_at"], activeTokens: row["active_tokens"])
  }

  private static func instant(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }
}
