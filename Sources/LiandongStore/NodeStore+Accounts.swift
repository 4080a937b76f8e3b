import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

/// A person's account on this node. Accounts are the node's own: they are never synced.
public struct AccountView: Codable, Sendable, Equatable {
  public var name: String
  public var role: OfficerRole
  public var createdAt: String
  public var disabledAt: String?
  /// API tokens that are neither expired nor revoked.
  public var activeTokens: Int
  /// Whether the account can log in to the console (it has a password).
  public var hasPassword: Bool
  /// Until when logins are refused after repeated wrong passwords.
  public var loginBlockedUntil: String?
}

/// What a login is checked against: the password's hash and the failures since the last success.
public struct PasswordRecord: Sendable, Equatable {
  public var hash: String?
  public var failedLogins: Int
  public var blockedUntil: Date?
}

/// A browser session: only the cookie's SHA-256 is kept; the CSRF token is sent back with every
/// form, so a page of another site cannot act with the cookie alone.
public struct SessionRecord: Sendable, Equatable {
  public var account: String
  public var csrfToken: String
  public var expiresAt: Date
  public var lastSeenAt: Date
  public var endedAt: Date?
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
  /// Sets the password's hash and ends the account's sessions (a changed password logs out everywhere).
  func setPassword(of account: String, hash: String, at: Date) throws
  func password(of account: String) throws -> PasswordRecord?
  /// A login's outcome: a success clears the failures; a failure counts and may block until a time.
  func recordLogin(of account: String, succeeded: Bool, blockedUntil: Date?) throws
  func addSession(sha256: Data, account: String, csrfToken: String, at: Date, expiresAt: Date) throws
  func session(sha256: Data) throws -> SessionRecord?
  func touchSession(sha256: Data, at: Date) throws
  /// Ends one session (logout), or every session of an account (disabled, password changed).
  func endSession(sha256: Data, at: Date) throws
  func endSessions(of account: String, at: Date) throws -> Int
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

  public func setPassword(of account: String, hash: String, at: Date) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?",
        arguments: [hash, account])
      try db.execute(
        sql: "UPDATE account_sessions SET ended_at = ? WHERE account = ? AND ended_at IS NULL",
        arguments: [at.iso8601, account])
    }
  }

  public func password(of account: String) throws -> PasswordRecord? {
    try read { db in
      try Row.fetchOne(
        db, sql: "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE name = ?",
        arguments: [account]
      ).map {
        PasswordRecord(
          hash: $0["password_hash"], failedLogins: $0["failed_logins"],
          blockedUntil: ($0["locked_until"] as String?).flatMap(Self.instant))
      }
    }
  }

  public func recordLogin(of account: String, succeeded: Bool, blockedUntil: Date?) throws {
    try writeTransaction { db in
      try db.execute(
        sql: succeeded
          ? "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = ?"
          : "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = ? WHERE name = ?",
        arguments: succeeded ? [account] : [blockedUntil?.iso8601, account])
    }
  }

  public func addSession(sha256: Data, account: String, csrfToken: String, at: Date, expiresAt: Date) throws {
    try writeTransaction { db in
      try db.execute(
        sql: """
          INSERT INTO account_sessions (session_sha256, account, csrf_token, created_at, expires_at, last_seen_at)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [sha256, account, csrfToken, at.iso8601, expiresAt.iso8601, at.iso8601])
    }
  }

  public func session(sha256: Data) throws -> SessionRecord? {
    try read { db in
      try Row.fetchOne(
        db, sql: "SELECT * FROM account_sessions WHERE session_sha256 = ?", arguments: [sha256]
      )
      .map {
        SessionRecord(
          account: $0["account"], csrfToken: $0["csrf_token"],
          expiresAt: Self.instant($0["expires_at"]) ?? .distantPast,
          lastSeenAt: Self.instant($0["last_seen_at"]) ?? .distantPast,
          endedAt: ($0["ended_at"] as String?).flatMap(Self.instant))
      }
    }
  }

  public func touchSession(sha256: Data, at: Date) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE account_sessions SET last_seen_at = ? WHERE session_sha256 = ?",
        arguments: [at.iso8601, sha256])
    }
  }

  public func endSession(sha256: Data, at: Date) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE account_sessions SET ended_at = ? WHERE session_sha256 = ? AND ended_at IS NULL",
        arguments: [at.iso8601, sha256])
    }
  }

  public func endSessions(of account: String, at: Date) throws -> Int {
    try writeTransaction { db in
      try db.execute(
        sql: "UPDATE account_sessions SET ended_at = ? WHERE account = ? AND ended_at IS NULL",
        arguments: [at.iso8601, account])
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
    SELECT a.name, a.role, a.created_at, a.disabled_at, a.password_hash,
      CASE WHEN a.locked_until > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN a.locked_until END AS locked_until,
      (SELECT count(*) FROM account_tokens t WHERE t.account = a.name AND t.revoked_at IS NULL
      AND t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) AS active_tokens
    FROM accounts a
    """

  private static func accountView(_ row: Row) throws -> AccountView {
    AccountView(
      name: row["name"], role: try OfficerRole(canonical: row["role"]), createdAt: row["created_at"],
      disabledAt: row["disabled_at"], activeTokens: row["active_tokens"],
      hasPassword: (row["password_hash"] as String?) != nil, loginBlockedUntil: row["locked_until"])
  }

  private static func instant(_ text: String) -> Date? { Date(iso8601: text) }
}
