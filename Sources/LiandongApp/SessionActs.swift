import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// A browser session as it starts: the cookie's secret (shown to the browser once, stored as a
/// hash) and the CSRF token every form and script must send back with an act.
public struct StartedSession: Codable, Sendable {
  public var account: String
  public var role: OfficerRole
  public var secret: String
  public var csrfToken: String
  public var expiresAt: String
}

/// Passwords, logins and browser sessions: how a person, not a script, proves who acts.
extension NodeApp {
  static let sessionPrefix = "lds_"
  /// A session ends 12 hours after login (a working day), or after an hour without a request.
  public static let sessionLifetime: TimeInterval = 12 * 3600
  public static let sessionIdleLimit: TimeInterval = 3600

  /// Sets the account's password; every session it had ends. Checked before it is hashed.
  public func setPassword(of name: String, to password: String, now: Date = Date()) throws {
    _ = try enabledAccount(name)
    try Self.checkNewPassword(password, account: name)
    try accounts.setPassword(of: name, hash: try PasswordHash.make(password).description, at: now)
  }

  /// Checks the password and starts a session.
  public func login(account name: String, password: String, now: Date = Date()) throws -> StartedSession {
    let account = try checkPassword(of: name, password, now: now)
    let secret = Self.sessionPrefix + SecureRandom.bytes(32).base64URL
    let csrf = SecureRandom.bytes(24).base64URL
    let expires = now.addingTimeInterval(Self.sessionLifetime)
    try accounts.addSession(
      sha256: SHA256.hash(Data(secret.utf8)), account: name, csrfToken: csrf, at: now, expiresAt: expires)
    return StartedSession(
      account: name, role: account.role, secret: secret, csrfToken: csrf, expiresAt: expires.iso8601)
  }

  /// A person changes their own password: the current one proves it is them (with the same
  /// back-off as a login), and every session of the account ends.
  public func changePassword(of caller: Caller, from current: String, to new: String, now: Date = Date())
    throws
  {
    do {
      _ = try checkPassword(of: caller.account, current, now: now)
    } catch let wrong as UsageError where wrong.code == "auth.login-failed" {
      throw UsageError(
        code: "auth.wrong-password", message: "the current password is wrong; nothing was changed")
    }
    try setPassword(of: caller.account, to: new, now: now)
  }

  /// The account, if `password` is its password. Wrong names and wrong passwords get the same
  /// answer, after the same work, so a guesser cannot tell which accounts exist.
  private func checkPassword(of name: String, _ password: String, now: Date) throws -> AccountView {
    let record = try accounts.password(of: name)
    let blockedUntil = record == nil ? UnknownAccountLogins.blockedUntil(name) : record?.blockedUntil
    if let blocked = blockedUntil, blocked > now {
      throw LoginBlocked(until: blocked, now: now)
    }
    let stored = record?.hash.flatMap { PasswordHash(stored: $0) } ?? PasswordHash.decoy
    let matches = try password.utf8.count <= Self.longestPassword && stored.matches(password)
    guard let record, record.hash != nil, matches else {
      if let record {
        let failures = record.failedLogins + 1
        try accounts.recordLogin(
          of: name, succeeded: false,
          blockedUntil: LoginBackOff.wait(afterFailures: failures).map { now.addingTimeInterval($0) })
      } else {
        UnknownAccountLogins.recordFailure(name, now: now)
      }
      throw UsageError(code: "auth.login-failed", message: "the account name or the password is wrong")
    }
    let account = try activeAccount(name)
    try accounts.recordLogin(of: name, succeeded: true, blockedUntil: nil)
    return account
  }

  /// The account a session cookie acts as. An act (`changesState`) must also carry the session's
  /// CSRF token: a page of another site can make the browser send the cookie, not the token.
  public func authenticate(
    session secret: String, csrfToken: String?, changesState: Bool, now: Date = Date()
  ) throws -> Caller {
    let digest = SHA256.hash(Data(secret.utf8))
    guard secret.hasPrefix(Self.sessionPrefix), secret.utf8.count < 200,
      let session = try accounts.session(sha256: digest)
    else {
      throw UsageError(code: "auth.no-session", message: "this browser session is not one this node started")
    }
    guard session.endedAt == nil, session.expiresAt > now,
      now.timeIntervalSince(session.lastSeenAt) < Self.sessionIdleLimit
    else {
      throw UsageError(code: "auth.session-ended", message: "the session has ended; log in again")
    }
    let account = try activeAccount(session.account)
    if changesState {
      guard let csrfToken, Data(csrfToken.utf8).equalsInConstantTime(Data(session.csrfToken.utf8)) else {
        throw UsageError(
          code: "auth.csrf",
          message:
            "an act from a browser session needs the session's CSRF token (X-CSRF-Token), and this one has none or another"
        )
      }
    }
    // The idle clock moves at most once a minute, so reads do not each write.
    if now.timeIntervalSince(session.lastSeenAt) > 60 {
      try accounts.touchSession(sha256: digest, at: now)
    }
    return Caller(account: account.name, role: account.role, csrfToken: session.csrfToken)
  }

  /// Ends the session (logout); an unknown or ended one is already logged out.
  public func logout(session secret: String, now: Date = Date()) throws {
    try accounts.endSession(sha256: SHA256.hash(Data(secret.utf8)), at: now)
  }

  static let shortestPassword = 10
  static let longestPassword = 1024

  /// Whether `password` is one a person may choose for `account`: long enough, not the name.
  public static func checkNewPassword(_ password: String, account: String) throws {
    guard password.count >= shortestPassword, password.utf8.count <= longestPassword else {
      throw UsageError(
        code: "account.weak-password",
        message:
          "a password has \(shortestPassword) to \(longestPassword) characters; this one has \(password.count)"
      )
    }
    guard !password.lowercased().contains(account.lowercased()),
      Set(password).count >= 4
    else {
      throw UsageError(
        code: "account.weak-password",
        message:
          "the password repeats the account's name or a few characters: choose one a colleague could not guess"
      )
    }
  }
}

/// A refusal that passes: the caller may try again after `retryAfter` seconds (HTTP's Retry-After).
public protocol RetryLater: CodedError {
  var retryAfter: Int { get }
}

/// Logins to an account are refused for a while after repeated wrong passwords (`LoginBackOff`).
public struct LoginBlocked: RetryLater, Sendable {
  public let until: Date
  public let now: Date

  public var code: String { "auth.login-blocked" }
  /// Whole seconds until a login may be tried again (HTTP's Retry-After).
  public var retryAfter: Int { max(1, Int(until.timeIntervalSince(now).rounded(.up))) }
  public var description: String {
    "too many wrong passwords for this account: logins are refused until \(until.iso8601) (\(retryAfter) s)"
  }
}
