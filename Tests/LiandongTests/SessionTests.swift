import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import Testing

/// Passwords, logins with back-off, and browser sessions, through the application layer.
@Suite("Passwords, logins and browser sessions")
struct SessionTests {
  @Test("scrypt through OpenSSL gives RFC 7914's test vector, and a stored hash checks only its password")
  func scrypt() throws {
    // RFC 7914 §12: scrypt("password", "NaCl", N=1024, r=8, p=16); PBKDF2's output is a prefix.
    let derived = try PasswordHash.derive(
      "password", salt: Data("NaCl".utf8), cost: 1024, blockSize: 8, parallelism: 16)
    #expect(derived.hex == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162")
    let made = try PasswordHash.make("正确的马电池订书钉", cost: 1024)
    let stored = try #require(PasswordHash(stored: made.description))
    #expect(stored == made && made.description.hasPrefix("scrypt$1024$8$1$"))
    #expect(try stored.matches("正确的马电池订书钉"))
    #expect(try !stored.matches("正确的马电池订书钉 "))
    #expect(try PasswordHash.make("same password").salt != PasswordHash.make("same password").salt)
    for bad in ["", "scrypt$1000$8$1$AA==$AA==", "bcrypt$1024$8$1$AA==$AA==", made.description + "$"] {
      #expect(PasswordHash(stored: bad) == nil, "\(bad)")
    }
  }

  @Test("back-off: four free mistakes, then waits that double from 30 s to at most 15 min")
  func backOffSchedule() {
    #expect((1...4).map(LoginBackOff.wait(afterFailures:)) == [nil, nil, nil, nil])
    #expect((5...11).map(LoginBackOff.wait(afterFailures:)) == [30, 60, 120, 240, 480, 900, 900])
    #expect(LoginBackOff.wait(afterFailures: 10_000) == 900)
  }

  @Test(
    "a password logs in; wrong names and passwords look alike; repeated failures block even the right one")
  func loginAndBackOff() throws {
    let app = try SimulatedNode("n0").app
    let now = Date()
    _ = try app.addAccount("li.wei", role: .officer, now: now)
    #expect(
      thrownCode { _ = try app.login(account: "li.wei", password: "anything at all", now: now) }
        == "auth.login-failed")
    #expect(
      thrownCode { try app.setPassword(of: "li.wei", to: "short", now: now) } == "account.weak-password")
    #expect(
      thrownCode { try app.setPassword(of: "li.wei", to: "li.wei-2026!", now: now) }
        == "account.weak-password")
    #expect(
      thrownCode { try app.setPassword(of: "li.wei", to: "aaaaaaaaaaaa", now: now) }
        == "account.weak-password")
    #expect(
      thrownCode { try app.setPassword(of: "nobody", to: "雨后春笋 spring rain", now: now) }
        == "account.not-found")
    try app.setPassword(of: "li.wei", to: "雨后春笋 spring rain", now: now)
    #expect(try app.account("li.wei").hasPassword)

    let session = try app.login(account: "li.wei", password: "雨后春笋 spring rain", now: now)
    #expect(session.secret.hasPrefix("lds_") && session.role == .officer && !session.csrfToken.isEmpty)
    #expect(
      thrownCode { _ = try app.login(account: "no.such", password: "雨后春笋 spring rain", now: now) }
        == "auth.login-failed")

    for attempt in 1...5 {
      #expect(
        thrownCode { _ = try app.login(account: "li.wei", password: "guess \(attempt)", now: now) }
          == "auth.login-failed")
    }
    do {
      _ = try app.login(account: "li.wei", password: "雨后春笋 spring rain", now: now.addingTimeInterval(10))
      Issue.record("a login during the wait was let through")
    } catch let blocked as LoginBlocked {
      #expect(blocked.code == "auth.login-blocked" && blocked.retryAfter == 20)
    }
    #expect(try app.account("li.wei").loginBlockedUntil != nil)
    _ = try app.login(account: "li.wei", password: "雨后春笋 spring rain", now: now.addingTimeInterval(31))
    // The success cleared the count: the next mistake is free again.
    #expect(
      thrownCode {
        _ = try app.login(account: "li.wei", password: "again wrong", now: now.addingTimeInterval(32))
      }
        == "auth.login-failed")
    _ = try app.login(account: "li.wei", password: "雨后春笋 spring rain", now: now.addingTimeInterval(33))
  }

  @Test(
    "a session acts as its account, needs its CSRF token to act, and ends on logout, idleness, age, disable and password change"
  )
  func sessions() throws {
    let app = try SimulatedNode("n0").app
    let now = Date()
    _ = try app.addAccount("zhang.min", role: .supervisor, now: now)
    try app.setPassword(of: "zhang.min", to: "长江后浪推前浪, 一代新人换旧人", now: now)
    var session = try app.login(account: "zhang.min", password: "长江后浪推前浪, 一代新人换旧人", now: now)
    let caller = try app.authenticate(session: session.secret, csrfToken: nil, changesState: false, now: now)
    #expect(
      caller.account == "zhang.min" && caller.role == .supervisor && caller.csrfToken == session.csrfToken)
    #expect(
      thrownCode {
        _ = try app.authenticate(session: session.secret, csrfToken: nil, changesState: true, now: now)
      }
        == "auth.csrf")
    #expect(
      thrownCode {
        _ = try app.authenticate(session: session.secret, csrfToken: "forged", changesState: true, now: now)
      }
        == "auth.csrf")
    _ = try app.authenticate(
      session: session.secret, csrfToken: session.csrfToken, changesState: true, now: now)
    #expect(
      thrownCode {
        _ = try app.authenticate(session: "lds_forged", csrfToken: nil, changesState: false, now: now)
      }
        == "auth.no-session")

    // Used within the hour, a session lives for its 12 hours and no longer.
    var clock = now
    while clock < now.addingTimeInterval(NodeApp.sessionLifetime - 3000) {
      clock = clock.addingTimeInterval(3000)
      _ = try app.authenticate(session: session.secret, csrfToken: nil, changesState: false, now: clock)
    }
    #expect(
      thrownCode {
        _ = try app.authenticate(
          session: session.secret, csrfToken: nil, changesState: false,
          now: now.addingTimeInterval(NodeApp.sessionLifetime + 1))
      } == "auth.session-ended")

    session = try app.login(account: "zhang.min", password: "长江后浪推前浪, 一代新人换旧人", now: now)
    #expect(
      thrownCode {
        _ = try app.authenticate(
          session: session.secret, csrfToken: nil, changesState: false, now: now.addingTimeInterval(3601))
      } == "auth.session-ended", "an idle hour ends it")

    session = try app.login(account: "zhang.min", password: "长江后浪推前浪, 一代新人换旧人", now: now)
    try app.logout(session: session.secret, now: now)
    #expect(
      thrownCode {
        _ = try app.authenticate(session: session.secret, csrfToken: nil, changesState: false, now: now)
      }
        == "auth.session-ended")

    session = try app.login(account: "zhang.min", password: "长江后浪推前浪, 一代新人换旧人", now: now)
    #expect(
      thrownCode { try app.changePassword(of: caller, from: "not it at all", to: "千里之行, 始于足下", now: now) }
        == "auth.wrong-password")
    try app.changePassword(of: caller, from: "长江后浪推前浪, 一代新人换旧人", to: "千里之行, 始于足下", now: now)
    #expect(
      thrownCode {
        _ = try app.authenticate(session: session.secret, csrfToken: nil, changesState: false, now: now)
      }
        == "auth.session-ended", "a new password ends the old sessions")

    session = try app.login(account: "zhang.min", password: "千里之行, 始于足下", now: now)
    _ = try app.disableAccount("zhang.min", now: now)
    #expect(
      thrownCode {
        _ = try app.authenticate(session: session.secret, csrfToken: nil, changesState: false, now: now)
      }
        == "auth.session-ended")
    #expect(
      thrownCode { _ = try app.login(account: "zhang.min", password: "千里之行, 始于足下", now: now) }
        == "auth.account-disabled")
  }
}
