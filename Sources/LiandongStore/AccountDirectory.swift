import Foundation
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
  /// A request made under an Idempotency-Key, as kept (`IdempotentClaim`); nil for a new key.
  func idempotentRequest(account: String, key: String) throws -> IdempotentRequest?
  /// Claims a new key before its act runs; a key claimed already is left as it is.
  func claimIdempotentKey(account: String, key: String, requestSHA256: Data, at: Date) throws
  /// Keeps the act's result, the answer to every later request with the key.
  func finishIdempotentRequest(account: String, key: String, result: Data) throws
  /// Gives a key back when its act failed before any change realised it (a refusal), so that
  /// the corrected request may use it.
  func releaseIdempotentKey(account: String, key: String) throws
}

/// A request made under an Idempotency-Key: its hash, its result once the act finished (nil while
/// it runs, or if its attempt ended without one), and the change that realised it, marked in
/// that change's own transaction.
public struct IdempotentRequest: Sendable, Equatable {
  public var requestSHA256: Data
  public var result: Data?
  public var change: ChangeID?
}

/// The accounts role, written once for both engines: the SQLite store of every node and the
/// PostgreSQL store of a hub, whose `serve` processes then share one set of accounts and sessions.
extension AccountDirectory where Self: SQLBackedStore {
  public func accounts() throws -> [AccountView] {
    try reading { try $0.rows(accountQuery + " ORDER BY a.name", Self.now()).map(Self.accountView) }
  }

  public func account(_ name: String) throws -> AccountView? {
    try reading {
      try $0.rows(accountQuery + " WHERE a.name = ?", Self.now() + [.text(name)]).first.map(Self.accountView)
    }
  }

  public func addAccount(_ name: String, role: OfficerRole, at: Date) throws -> Bool {
    try writing {
      try !$0.rows(
        "INSERT INTO accounts (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name",
        [.text(name), .text(role.rawValue), SQLValue(at)]
      ).isEmpty
    }
  }

  public func disableAccount(_ name: String, at: Date) throws -> Bool {
    try writing {
      try !$0.rows(
        "UPDATE accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL RETURNING name",
        [SQLValue(at), .text(name)]
      ).isEmpty
    }
  }

  public func addToken(sha256: Data, account: String, label: String, at: Date, expiresAt: Date) throws {
    try writing {
      try $0.rows(
        "INSERT INTO account_tokens (token_sha256, account, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [.bytes(sha256), .text(account), .text(label), SQLValue(at), SQLValue(expiresAt)])
    }
  }

  public func token(sha256: Data) throws -> TokenRecord? {
    try reading {
      try $0.rows("SELECT * FROM account_tokens WHERE token_sha256 = ?", [.bytes(sha256)]).first.map {
        TokenRecord(
          account: $0.string("account") ?? "", label: $0.string("label") ?? "",
          expiresAt: $0.date("expires_at") ?? .distantPast, revokedAt: $0.date("revoked_at"))
      }
    }
  }

  public func revokeTokens(of account: String, at: Date) throws -> Int {
    try writing {
      try $0.rows(
        """
        UPDATE account_tokens SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL AND expires_at > ?
        RETURNING account
        """, [SQLValue(at), .text(account), SQLValue(at)]
      ).count
    }
  }

  public func setPassword(of account: String, hash: String, at: Date) throws {
    try writing {
      try $0.rows(
        "UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?",
        [.text(hash), .text(account)])
      try $0.rows(
        "UPDATE account_sessions SET ended_at = ? WHERE account = ? AND ended_at IS NULL",
        [SQLValue(at), .text(account)])
    }
  }

  public func password(of account: String) throws -> PasswordRecord? {
    try reading {
      try $0.rows(
        "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE name = ?", [.text(account)]
      ).first.map {
        PasswordRecord(
          hash: $0.string("password_hash"), failedLogins: Int($0.integer("failed_logins") ?? 0),
          blockedUntil: $0.date("locked_until"))
      }
    }
  }

  public func recordLogin(of account: String, succeeded: Bool, blockedUntil: Date?) throws {
    try writing {
      if succeeded {
        try $0.rows(
          "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = ?", [.text(account)])
      } else {
        try $0.rows(
          "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = ? WHERE name = ?",
          [SQLValue(blockedUntil), .text(account)])
      }
    }
  }

  public func addSession(sha256: Data, account: String, csrfToken: String, at: Date, expiresAt: Date) throws {
    try writing {
      try $0.rows(
        """
        INSERT INTO account_sessions (session_sha256, account, csrf_token, created_at, expires_at, last_seen_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [.bytes(sha256), .text(account), .text(csrfToken), SQLValue(at), SQLValue(expiresAt), SQLValue(at)])
    }
  }

  public func session(sha256: Data) throws -> SessionRecord? {
    try reading {
      try $0.rows("SELECT * FROM account_sessions WHERE session_sha256 = ?", [.bytes(sha256)]).first.map {
        SessionRecord(
          account: $0.string("account") ?? "", csrfToken: $0.string("csrf_token") ?? "",
          expiresAt: $0.date("expires_at") ?? .distantPast,
          lastSeenAt: $0.date("last_seen_at") ?? .distantPast,
          endedAt: $0.date("ended_at"))
      }
    }
  }

  public func touchSession(sha256: Data, at: Date) throws {
    try writing {
      try $0.rows(
        "UPDATE account_sessions SET last_seen_at = ? WHERE session_sha256 = ?",
        [SQLValue(at), .bytes(sha256)])
    }
  }

  public func endSession(sha256: Data, at: Date) throws {
    try writing {
      try $0.rows(
        "UPDATE account_sessions SET ended_at = ? WHERE session_sha256 = ? AND ended_at IS NULL",
        [SQLValue(at), .bytes(sha256)])
    }
  }

  public func endSessions(of account: String, at: Date) throws -> Int {
    try writing {
      try $0.rows(
        "UPDATE account_sessions SET ended_at = ? WHERE account = ? AND ended_at IS NULL RETURNING account",
        [SQLValue(at), .text(account)]
      ).count
    }
  }

  public func idempotentRequest(account: String, key: String) throws -> IdempotentRequest? {
    try reading {
      try $0.rows(
        "SELECT request_sha256, result, change_id FROM idempotent_results WHERE account = ? AND key = ?",
        [.text(account), .text(key)]
      ).first.map { row in
        // A claim's result is empty until its act finishes: no act answers with nothing.
        IdempotentRequest(
          requestSHA256: row.bytes("request_sha256") ?? Data(),
          result: row.bytes("result").flatMap { $0.isEmpty ? nil : $0 },
          change: row.bytes("change_id").flatMap(ChangeID.init(bytes:)))
      }
    }
  }

  public func claimIdempotentKey(account: String, key: String, requestSHA256: Data, at: Date) throws {
    try writing {
      try $0.rows(
        """
        INSERT INTO idempotent_results (account, key, request_sha256, result, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account, key) DO NOTHING
        """, [.text(account), .text(key), .bytes(requestSHA256), .bytes(Data()), SQLValue(at)])
    }
  }

  public func finishIdempotentRequest(account: String, key: String, result: Data) throws {
    try writing {
      try $0.rows(
        "UPDATE idempotent_results SET result = ? WHERE account = ? AND key = ?",
        [.bytes(result), .text(account), .text(key)])
    }
  }

  public func releaseIdempotentKey(account: String, key: String) throws {
    try writing {
      try $0.rows(
        "DELETE FROM idempotent_results WHERE account = ? AND key = ? AND change_id IS NULL",
        [.text(account), .text(key)])
    }
  }

  /// The two parameters `accountQuery` compares with: now, as times are kept.
  private static func now() -> [SQLValue] { [SQLValue(Date()), SQLValue(Date())] }

  private var accountQuery: String {
    """
    SELECT a.name, a.role, a.created_at, a.disabled_at, a.password_hash,
      CASE WHEN a.locked_until > ? THEN a.locked_until END AS locked_until,
      (SELECT count(*) FROM account_tokens t WHERE t.account = a.name AND t.revoked_at IS NULL
      AND t.expires_at > ?) AS active_tokens
    FROM accounts a
    """
  }

  private static func accountView(_ row: SQLRow) throws -> AccountView {
    AccountView(
      name: row.string("name") ?? "", role: try OfficerRole(canonical: row.string("role") ?? ""),
      createdAt: row.string("created_at") ?? "", disabledAt: row.string("disabled_at"),
      activeTokens: Int(row.integer("active_tokens") ?? 0), hasPassword: row.string("password_hash") != nil,
      loginBlockedUntil: row.string("locked_until"))
  }
}

extension NodeStore: AccountDirectory {}
