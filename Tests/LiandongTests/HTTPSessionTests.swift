import Foundation
import LiandongTesting
import Testing

extension NodeProcess {
  /// `liandong officer password` with the password on standard input, as a script sets it.
  func setPassword(_ account: String, _ password: String) throws -> ProcessResult {
    let child = try ChildProcess(
      liandongBinary.path, ["officer", "password", account, "--data", data.path], inputPipe: true)
    child.send(password + "\n")
    child.closeInput()
    let status = child.wait(timeout: 60)
    return ProcessResult(status: status, stdout: child.stdout, stderr: child.stderr)
  }
}

extension HTTPReply {
  /// The value of the session cookie this reply sets, and the cookie's attributes.
  var sessionCookie: (value: String, attributes: String)? {
    for line in headers.split(whereSeparator: \.isNewline) where line.lowercased().hasPrefix("set-cookie:") {
      let cookie = line.dropFirst("set-cookie:".count).trimmingCharacters(in: .whitespaces)
      guard cookie.hasPrefix("liandong_session=") else { continue }
      let value = cookie.dropFirst("liandong_session=".count).prefix { $0 != ";" }
      return (String(value), String(cookie))
    }
    return nil
  }
}

/// Browser sessions and account management over HTTP, with `curl` as the browser.
@Suite("The HTTP API's logins, sessions and accounts, through curl", .serialized)
struct HTTPSessionTests {
  @Test("a person logs in with a password, acts with the cookie and its CSRF token, and logs out")
  func browserSession() async throws {
    let federation = try TestFederation(label: "api-session", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    _ = try await jjj.token("li.wei", role: "officer")
    #expect(try jjj.setPassword("li.wei", "short").failed(with: "account.weak-password"))
    #expect(try jjj.setPassword("li.wei", "").failed(with: "usage.no-password"))
    let set = try jjj.setPassword("li.wei", "雨后春笋 spring rain")
    #expect(set.status == 0 && set.stdout.contains("set the password of li.wei"), "\(set)")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let wrong = try curl(
      "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "not the password"}"#)
    #expect(wrong.isProblem(401, "auth.login-failed") && wrong.sessionCookie == nil, "\(wrong)")
    let login = try curl(
      "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "雨后春笋 spring rain"}"#)
    let cookie = try #require(login.sessionCookie, "\(login) \(login.headers)")
    #expect(!login.headers.contains("%3D"), "the cookie is sent as it is, not percent-encoded")
    #expect(login.status == 200 && login.json["account"] as? String == "li.wei", "\(login)")
    #expect(cookie.attributes.contains("HttpOnly") && cookie.attributes.contains("SameSite=Strict"))
    let csrf = try #require(login.json["csrfToken"] as? String)
    let withCookie = "Cookie: liandong_session=\(cookie.value)"

    #expect(try curl("GET", base + "/v1/whoami", headers: [withCookie]).json["name"] as? String == "li.wei")
    let forged = try curl("POST", base + "/v1/leads", json: HTTPAPITests.lead, headers: [withCookie])
    #expect(forged.isProblem(403, "auth.csrf"), "an act with the cookie alone is what CSRF is: \(forged)")
    let acted = try curl(
      "POST", base + "/v1/leads", json: HTTPAPITests.lead, headers: [withCookie, "X-CSRF-Token: \(csrf)"])
    #expect(acted.status == 201, "\(acted)")
    let leads = try await jjj.cli("lead", "list", "--json").stdout
    #expect((try JSONSerialization.jsonObject(with: Data(leads.utf8)) as? [Any])?.count == 1, "\(leads)")
    let history = try await jjj.cli("history", try #require(acted.json["id"] as? String), "--json").stdout
    #expect(history.contains("\"li.wei\""), "the signed change names the logged-in account: \(history)")

    let logout = try curl("DELETE", base + "/v1/session", headers: [withCookie])
    #expect(logout.status == 204 && logout.sessionCookie?.attributes.contains("Max-Age=0") == true)
    #expect(try curl("GET", base + "/v1/whoami", headers: [withCookie]).isProblem(401, "auth.session-ended"))
    #expect(try curl("DELETE", base + "/v1/session", headers: [withCookie]).status == 204, "twice is fine")
  }

  @Test("after five wrong passwords logins wait, with 429 and Retry-After, even for the right password")
  func loginBackOff() async throws {
    let federation = try TestFederation(label: "api-backoff", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    _ = try await jjj.token("li.wei", role: "officer")
    _ = try jjj.setPassword("li.wei", "雨后春笋 spring rain")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    for attempt in 1...5 {
      let wrong = try curl(
        "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "guess \#(attempt)"}"#)
      #expect(wrong.isProblem(401, "auth.login-failed"), "\(attempt): \(wrong)")
    }
    let blocked = try curl(
      "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "雨后春笋 spring rain"}"#)
    #expect(
      blocked.isProblem(429, "auth.login-blocked") && blocked.headers.contains("Retry-After: "), "\(blocked)")
    let listed = try await jjj.cli("officer", "list", "--json").stdout
    #expect(listed.contains("loginBlockedUntil"), "the operator sees the wait: \(listed)")
    // A name that is no account answers the same way, so the 429 tells a guesser nothing.
    for attempt in 1...5 {
      let wrong = try curl(
        "POST", base + "/v1/session", json: #"{"account": "no.such", "password": "guess \#(attempt)"}"#)
      #expect(wrong.isProblem(401, "auth.login-failed"), "\(attempt): \(wrong)")
    }
    let unknown = try curl("POST", base + "/v1/session", json: #"{"account": "no.such", "password": "x"}"#)
    #expect(
      unknown.isProblem(429, "auth.login-blocked") && unknown.headers.contains("Retry-After: "), "\(unknown)")
    // An operator's new password lifts the wait.
    _ = try jjj.setPassword("li.wei", "千里之行, 始于足下")
    let after = try curl(
      "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "千里之行, 始于足下"}"#)
    #expect(after.status == 200, "\(after)")
  }

  @Test("an operator manages accounts through the API; nobody else may, and a new account's token works")
  func accountManagement() async throws {
    let federation = try TestFederation(label: "api-accounts", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let supervisor = try await jjj.token("zhang.min", role: "supervisor")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let added = try curl(
      "POST", base + "/v1/accounts", token: operatorToken, json: #"{"name": "chen.jing", "role": "officer"}"#)
    #expect(added.status == 201 && added.json["hasPassword"] as? Bool == false, "\(added)")
    #expect(
      try curl(
        "POST", base + "/v1/accounts", token: operatorToken,
        json: #"{"name": "chen.jing", "role": "auditor"}"#
      ).isProblem(409, "account.exists"))
    #expect(
      try curl(
        "POST", base + "/v1/accounts", token: supervisor, json: #"{"name": "x.y", "role": "operator"}"#
      )
      .isProblem(403, "auth.not-permitted"), "a supervisor cannot make accounts")
    #expect(try curl("GET", base + "/v1/accounts", token: supervisor).isProblem(403, "auth.not-permitted"))
    let password = try curl(
      "PUT", base + "/v1/accounts/chen.jing/password", token: operatorToken,
      json: #"{"password": "chen.jing is here"}"#)
    #expect(password.isProblem(400, "account.weak-password"), "\(password)")
    #expect(
      try curl(
        "PUT", base + "/v1/accounts/chen.jing/password", token: operatorToken,
        json: #"{"password": "雨后春笋 spring rain"}"#
      ).status == 204)
    let issued = try curl(
      "POST", base + "/v1/accounts/chen.jing/tokens", token: operatorToken,
      json: #"{"days": 7, "label": "test"}"#)
    let token = try #require(issued.json["token"] as? String, "\(issued)")
    #expect(try curl("GET", base + "/v1/whoami", token: token).json["name"] as? String == "chen.jing")

    // The person changes their own password through their session; the old one stops working.
    let login = try curl(
      "POST", base + "/v1/session", json: #"{"account": "chen.jing", "password": "雨后春笋 spring rain"}"#)
    let cookie = "Cookie: liandong_session=\(try #require(login.sessionCookie?.value))"
    let csrf = "X-CSRF-Token: \(try #require(login.json["csrfToken"] as? String))"
    let badCurrent = try curl(
      "POST", base + "/v1/whoami/password",
      json: #"{"currentPassword": "nope", "newPassword": "千里之行, 始于足下"}"#,
      headers: [cookie, csrf])
    #expect(badCurrent.isProblem(403, "auth.wrong-password"), "\(badCurrent)")
    let changed = try curl(
      "POST", base + "/v1/whoami/password",
      json: #"{"currentPassword": "雨后春笋 spring rain", "newPassword": "千里之行, 始于足下"}"#, headers: [cookie, csrf])
    #expect(changed.status == 204, "\(changed)")
    #expect(
      try curl(
        "POST", base + "/v1/session", json: #"{"account": "chen.jing", "password": "雨后春笋 spring rain"}"#
      )
      .isProblem(401, "auth.login-failed"))

    let revoked = try curl("DELETE", base + "/v1/accounts/chen.jing/tokens", token: operatorToken)
    #expect(revoked.json["revoked"] as? Int == 1, "\(revoked)")
    #expect(try curl("GET", base + "/v1/whoami", token: token).isProblem(401, "auth.token-revoked"))
    let disabled = try curl("POST", base + "/v1/accounts/chen.jing/disable", token: operatorToken)
    #expect(disabled.status == 200 && disabled.json["disabledAt"] != nil, "\(disabled)")
    #expect(
      try curl("POST", base + "/v1/session", json: #"{"account": "chen.jing", "password": "千里之行, 始于足下"}"#)
        .isProblem(401, "auth.account-disabled"))
    #expect(
      try curl("POST", base + "/v1/accounts/nobody/disable", token: operatorToken).isProblem(
        404, "account.not-found"))
  }
}
