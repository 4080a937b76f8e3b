/// The hub's PostgreSQL schema, step by step; a role's tables arrive with its implementation.
/// Values keep the SQLite store's forms (times as ISO 8601 text in UTC, hashes as bytes), so
/// that the two stores answer alike.
enum PostgresSchema {
  static let migrator = PostgresMigrator(steps: [
    .init(
      name: "v1: officer accounts, API tokens, browser sessions, idempotent requests",
      sql: """
        CREATE TABLE accounts (
          name text PRIMARY KEY,
          role text NOT NULL,
          created_at text NOT NULL,
          disabled_at text,
          password_hash text,
          failed_logins integer NOT NULL DEFAULT 0,
          locked_until text
        );
        CREATE TABLE account_tokens (
          token_sha256 bytea PRIMARY KEY,
          account text NOT NULL REFERENCES accounts (name),
          label text NOT NULL,
          created_at text NOT NULL,
          expires_at text NOT NULL,
          revoked_at text
        );
        CREATE INDEX account_tokens_by_account ON account_tokens (account);
        CREATE TABLE account_sessions (
          session_sha256 bytea PRIMARY KEY,
          account text NOT NULL REFERENCES accounts (name),
          csrf_token text NOT NULL,
          created_at text NOT NULL,
          expires_at text NOT NULL,
          last_seen_at text NOT NULL,
          ended_at text
        );
        CREATE INDEX account_sessions_by_account ON account_sessions (account);
        CREATE TABLE idempotent_results (
          account text NOT NULL,
          key text NOT NULL,
          request_sha256 bytea NOT NULL,
          result bytea NOT NULL,
          created_at text NOT NULL,
          PRIMARY KEY (account, key)
        );
        """)
  ])
}
