import Foundation
import Testing

/// The console's accounts page, through curl as a browser uses it: an operator gives a case
/// system its token and takes it back.
@Suite("The console's accounts page")
struct ConsoleAccountTests {
  @Test(
    "an operator issues a token shown once that the API accepts, then revokes it; a bad number of days is refused; an officer cannot reach the page"
  )
  func tokens() async throws {
    let federation = try TestFederation(label: "console-accounts", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    try await jjj.accounts([
      ("wang.ops", "operator", "运维值班 night shift"), ("case.system", "officer", "案件系统 not for people"),
      ("li.wei", "officer", "办案人员 case officer"),
    ])
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let operatorVisit = try ConsoleVisit.loggedIn(base, "wang.ops", "运维值班 night shift")
    let page = try operatorVisit.get("/console/accounts")
    #expect(page.status == 200 && page.body.contains(#"id="issue-token""#), "\(page.body.suffix(2000))")
    let csrf = try #require(ConsoleVisit.csrf(in: page.body))
    let issued = try operatorVisit.post(
      "/console/accounts/tokens",
      [("csrf", csrf), ("name", "case.system"), ("days", "30"), ("label", "办案系统")])
    #expect(
      issued.status == 200 && issued.headers.lowercased().contains("cache-control: no-store")
        && issued.body.contains("只显示这一次"), "\(issued)")
    let token = try #require(
      issued.body.range(of: #"<code id="issued-token">([^<]+)</code>"#, options: .regularExpression).map {
        String(issued.body[$0].dropFirst(#"<code id="issued-token">"#.count).dropLast("</code>".count))
      }, "\(issued.body.suffix(2000))")
    let whoami = try curl("GET", base + "/v1/whoami", token: token)
    #expect(whoami.status == 200 && whoami.json["name"] as? String == "case.system", "\(whoami)")
    // The page shows it once: read again, it is gone, and the account counts it beside the one
    // its setting up was given.
    let again = try operatorVisit.get("/console/accounts")
    let row = #"<tr data-account="case.system"><td>case.system</td><td>办案人员</td><td>已设置</td>"#
    #expect(!again.body.contains(token) && again.body.contains(row + "<td>2</td>"), "\(again.body)")

    let notADay = try operatorVisit.post(
      "/console/accounts/tokens", [("csrf", csrf), ("name", "case.system"), ("days", "forever")])
    #expect(notADay.body.contains("usage.token-days") && notADay.body.contains("forever"), "\(notADay)")
    let tooLong = try operatorVisit.post(
      "/console/accounts/tokens", [("csrf", csrf), ("name", "case.system"), ("days", "4000")])
    #expect(tooLong.body.contains("usage.token-days") && tooLong.body.contains("4000"), "\(tooLong)")

    let revoked = try operatorVisit.post(
      "/console/accounts", [("csrf", csrf), ("act", "revoke"), ("name", "case.system")])
    #expect(revoked.status == 303 && revoked.location == "/console/accounts?done=act", "\(revoked)")
    #expect(try curl("GET", base + "/v1/whoami", token: token).isProblem(401, "auth.token-revoked"))
    #expect(try operatorVisit.get("/console/accounts").body.contains(row + "<td>0</td>"))

    // An officer can neither see the page nor issue a token, even with a valid form token.
    let officer = try ConsoleVisit.loggedIn(base, "li.wei", "办案人员 case officer")
    #expect(try officer.get("/console/accounts").isProblemPage(403, "auth.not-permitted"))
    let officerCSRF = try #require(ConsoleVisit.csrf(in: try officer.get("/console/").body))
    let forged = try officer.post(
      "/console/accounts/tokens", [("csrf", officerCSRF), ("name", "li.wei"), ("days", "30")])
    #expect(
      forged.isProblemPage(403, "auth.not-permitted") && !forged.body.contains("issued-token"), "\(forged)")
    // Without the page's CSRF token, nothing is issued.
    let noCSRF = try operatorVisit.post(
      "/console/accounts/tokens", [("name", "case.system"), ("days", "30")])
    #expect(noCSRF.status == 403 && !noCSRF.body.contains("issued-token"), "\(noCSRF)")
  }
}
