import Foundation
import LiandongCore

/// The accounts role on PostgreSQL: what `NodeStore+Accounts.swift` does on SQLite, statement
/// for statement, so that every `serve` process of a hub sees one set of accounts and sessions.
extension PostgresStore: AccountDirectory {
  public func accounts() throws -> [AccountView] {
    try pool.withConnection { try $0.execute(Self.accountQuery + " ORDER BY a.name").map(Self.accountView) }
  }

  public func account(_ name: String) throws -> AccountView? {
    try pool.withConnection {
      try $0.execute(Self.accountQuery + " WHERE a.name = $1", [.text(name)]).first.map(Self.accountView)
    }
  }

  public func addAccount(_ name: String, role: OfficerRole, at: Date) throws -> Bool {
    try pool.transaction {
      try !$0.execute(
        "INSERT INTO accounts (name, role, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING name",
        [.text(name), .text(role.rawValue), .text(at.iso8601)]
      ).isEmpty
    }
  }

  public func disableAccount(_ name: String, at: Date) throws -> Bool {
    try pool.transaction {
      try !$0.execute(
        "UPDATE accounts SET disabled_at = $1 WHERE name = $2 AND disabled_at IS NULL RETURNING name",
        [.text(at.iso8601), .text(name)]
      ).isEmpty
    }
  }

  public func addToken(sha256: Data, account: String, label: String, at: Date, expiresAt: Date) throws {
    try pool.transaction {
      try $0.execute(
        """
        INSERT INTO account_tokens (token_sha256, account, label, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        """, [.bytes(sha256), .text(account), .text(label), .text(at.iso8601), .text(expiresAt.iso8601)])
    }
  }

  public func token(sha256: Data) throws -> TokenRecord? {
    try pool.withConnection {
      try $0.execute("SELECT * FROM account_tokens WHERE token_sha256 = $1", [.bytes(sha256)]).first.map {
        TokenRecord(
          account: $0.string("account") ?? "", label: $0.string("label") ?? "",
          expiresAt: Self.instant($0.string("expires_at")) ?? .distantPast,
          revokedAt: Self.instant($0.string("revoked_at")))
      }
    }
  }

  public func revokeTokens(of account: String, at: Date) throws -> Int {
    try pool.transaction {
      try $0.execute(
        """
        UPDATE account_tokens SET revoked_at = $1 WHERE account = $2 AND revoked_at IS NULL AND expires_at > $1
        RETURNING account
        """, [.text(at.iso8601), .text(account)]
      ).count
    }
  }

  public func setPassword(of account: String, hash: String, at: Date) throws {
    try pool.transaction {
      try $0.execute(
        "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE name = $2",
        [.text(hash), .text(account)])
      try $0.execute(
        "UPDATE account_sessions SET ended_at = $1 WHERE account = $2 AND ended_at IS NULL",
        [.text(at.iso8601), .text(account)])
    }
  }

  public func password(of account: String) throws -> PasswordRecord? {
    try pool.withConnection {
      try $0.execute(
        "SELECT password_hash, failed_logins, locked_until FROM accounts WHERE name = $1", [.text(account)]
      ).first.map {
        PasswordRecord(
          hash: $0.string("password_hash"), failedLogins: Int($0.integer("failed_logins") ?? 0),
          blockedUntil: Self.instant($0.string("locked_until")))
      }
    }
  }

  public func recordLogin(of account: String, succeeded: Bool, blockedUntil: Date?) throws {
    try pool.transaction {
      if succeeded {
        try $0.execute(
          "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE name = $1", [.text(account)])
      } else {
        try $0.execute(
          "UPDATE accounts SET failed_logins = failed_logins + 1, locked_until = $1 WHERE name = $2",
          [blockedUntil.map { .text($0.iso8601) } ?? .null, .text(account)])
      }
    }
  }

  public func addSession(sha256: Data, account: String, csrfToken: String, at: Date, expiresAt: Date) throws {
    try pool.transaction {
      try $0.execute(
        """
        INSERT INTO account_sessions (session_sha256, account, csrf_token, created_at, expires_at, last_seen_at)
        VALUES ($1, $2, $3, $4, $5, $4)
        """,
        [.bytes(sha256), .text(account), .text(csrfToken), .text(at.iso8601), .text(expiresAt.iso8601)])
    }
  }

  public func session(sha256: Data) throws -> SessionRecord? {
    try pool.withConnection {
      try $0.execute("SELECT * FROM account_sessions WHERE session_sha256 = $1", [.bytes(sha256)]).first.map {
        SessionRecord(
          account: $0.string("account") ?? "", csrfToken: $0.string("csrf_token") ?? "",
          expiresAt: Self.instant($0.string("expires_at")) ?? .distantPast,
          lastSeenAt: Self.instant($0.string("last_seen_at")) ?? .distantPast,
          endedAt: Self.instant($0.string("ended_at")))
      }
    }
  }

  public func touchSession(sha256: Data, at: Date) throws {
    try pool.transaction {
      try $0.execute(
        "UPDATE account_sessions SET last_seen_at = $1 WHERE session_sha256 = $2",
        [.text(at.iso8601), .bytes(sha256)])
    }
  }

  public func endSession(sha256: Data, at: Date) throws {
    try pool.transaction {
      try $0.execute(
        "UPDATE account_sessions SET ended_at = $1 WHERE session_sha256 = $2 AND ended_at IS NULL",
        [.text(at.iso8601), .bytes(sha256)])
    }
  }

  public func endSessions(of account: String, at: Date) throws -> Int {
    try pool.transaction {
      try $0.execute(
        "UPDATE account_sessions SET ended_at = $1 WHERE account = $2 AND ended_at IS NULL RETURNING account",
        [.text(at.iso8601), .text(account)]
      ).count
    }
  }

  public func idempotentResult(account: String, key: String) throws -> (requestSHA256: Data, result: Data)? {
    try pool.withConnection {
      try $0.execute(
        "SELECT request_sha256, result FROM idempotent_results WHERE account = $1 AND key = $2",
        [.text(account), .text(key)]
      ).first.map { ($0.bytes("request_sha256") ?? Data(), $0.bytes("result") ?? Data()) }
    }
  }

  public func recordIdempotentResult(
    account: String, key: String, requestSHA256: Data, result: Data, at: Date
  ) throws {
    try pool.transaction {
      try $0.execute(
        """
        INSERT INTO idempotent_results (account, key, request_sha256, result, created_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account, key) DO NOTHING
        """, [.text(account), .text(key), .bytes(requestSHA256), .bytes(result), .text(at.iso8601)])
    }
  }

  /// Now, in the form times are kept in (`Date.iso8601`), for comparing with them.
  private static let now = #"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#

  private static let accountQuery = """
    SELECT a.name, a.role, a.created_at, a.disabled_at, a.password_hash,
      CASE WHEN a.locked_until > \(now) THEN a.locked_until END AS locked_until,
      (SELECT count(*) FROM account_tokens t WHERE t.account = a.name AND t.revoked_at IS NULL
      AND t.expires_at > \(now)) AS active_tokens
    FROM accounts a
    """

  private static func accountView(_ row: PostgresRow) throws -> AccountView {
    AccountView(
      name: row.string("name") ?? "", role: try OfficerRole(canonical: row.string("role") ?? ""),
      createdAt: row.string("created_at") ?? "", disabledAt: row.string("disabled_at"),
      activeTokens: Int(row.integer("active_tokens") ?? 0), hasPassword: row.string("password_hash") != nil,
      loginBlockedUntil: row.string("locked_until"))
  }

  private static func instant(_ text: String?) -> Date? { text.flatMap { Date(iso8601: $0) } }
}
