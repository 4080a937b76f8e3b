import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// An API token as issued: the secret is shown once and only its SHA-256 is stored.
public struct IssuedToken: Codable, Sendable {
  public var account: String
  public var token: String
  public var label: String
  public var expiresAt: String
}

/// The acts on this node's accounts (operators make them, on the node's machine or through the
/// API), and the check every API call starts with.
extension NodeApp {
  static let tokenPrefix = "ld_"

  public func addAccount(_ name: String, role: OfficerRole, now: Date = Date()) throws -> AccountView {
    try Self.checkAccountName(name)
    guard try accounts.addAccount(name, role: role, at: now) else {
      throw UsageError(code: "account.exists", message: "an account named \(name) exists already")
    }
    return try account(name)
  }

  public func listAccounts() throws -> [AccountView] { try accounts.accounts() }

  public func account(_ name: String) throws -> AccountView {
    guard let account = try accounts.account(name) else {
      throw UsageError(
        code: "account.not-found", message: "this node has no account named \(name) ('liandong officer list')"
      )
    }
    return account
  }

  /// Disables the account, revokes its tokens and ends its sessions: it can no longer act, and
  /// what it signed stays.
  public func disableAccount(_ name: String, now: Date = Date()) throws -> AccountView {
    _ = try account(name)
    _ = try accounts.disableAccount(name, at: now)
    _ = try accounts.revokeTokens(of: name, at: now)
    _ = try accounts.endSessions(of: name, at: now)
    return try account(name)
  }

  /// Revokes the account's tokens (one leaked, or a case system retired); the account stays.
  public func revokeTokens(of name: String, now: Date = Date()) throws -> Int {
    _ = try account(name)
    return try accounts.revokeTokens(of: name, at: now)
  }

  /// A new API token for the account, valid for `days` days.
  public func issueToken(for name: String, days: Int = 90, label: String = "", now: Date = Date()) throws
    -> IssuedToken
  {
    guard (1...3650).contains(days) else {
      throw UsageError(code: "usage.token-days", message: "a token lasts 1 to 3650 days, not \(days)")
    }
    try TextLimit.check("label", label, limit: TextLimit.name)
    _ = try enabledAccount(name)
    let secret = Self.tokenPrefix + SecureRandom.bytes(32).base64URL
    let expires = now.addingTimeInterval(TimeInterval(days) * 86_400)
    try accounts.addToken(
      sha256: SHA256.hash(Data(secret.utf8)), account: name, label: label, at: now, expiresAt: expires)
    return IssuedToken(account: name, token: secret, label: label, expiresAt: expires.iso8601)
  }

  /// The account a bearer token acts as, or why it may not act.
  public func authenticate(token: String?, now: Date = Date()) throws -> Caller {
    guard let token, !token.isEmpty else {
      throw UsageError(
        code: "auth.no-token", message: "this call needs 'Authorization: Bearer <token>'")
    }
    guard token.hasPrefix(Self.tokenPrefix), token.utf8.count < 200,
      let record = try accounts.token(sha256: SHA256.hash(Data(token.utf8)))
    else {
      throw UsageError(code: "auth.bad-token", message: "the token is not one this node issued")
    }
    let account = try activeAccount(record.account)
    if let revoked = record.revokedAt {
      throw UsageError(code: "auth.token-revoked", message: "the token was revoked at \(revoked.iso8601)")
    }
    guard record.expiresAt > now else {
      throw UsageError(
        code: "auth.token-expired", message: "the token expired at \(record.expiresAt.iso8601)")
    }
    return Caller(account: account.name, role: account.role)
  }

  /// The account, if it may still be given credentials (a token, a password): a disabled one
  /// stays disabled.
  func enabledAccount(_ name: String) throws -> AccountView {
    let account = try account(name)
    if let disabled = account.disabledAt {
      throw UsageError(code: "account.disabled", message: "account \(name) is disabled since \(disabled)")
    }
    return account
  }

  /// The account, if it may still sign in: a disabled account's credentials all stop working.
  func activeAccount(_ name: String) throws -> AccountView {
    let account = try account(name)
    if let disabled = account.disabledAt {
      throw UsageError(
        code: "auth.account-disabled", message: "account \(account.name) is disabled since \(disabled)")
    }
    return account
  }

  var accounts: any AccountDirectory { local.store }

  /// Names that are safe in logs, URLs and signed changes: 2-64 of a-z, 0-9, '.', '_', '-'.
  static func checkAccountName(_ name: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    guard (2...64).contains(name.count), name.allSatisfy(allowed.contains), name.first!.isLetter else {
      throw UsageError(
        code: "account.invalid-name",
        message:
          "'\(name)' is not an account name: use 2-64 of a-z, 0-9, '.', '_' and '-', starting with a letter")
    }
  }
}

extension Data {
  /// Base64 for URLs and headers, without padding (RFC 4648 §5).
  var base64URL: String {
    base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }
}
