import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTesting
import Testing

/// A browser's visit to the console, through curl: its cookies, forms and redirects.
struct ConsoleVisit {
  let base: String
  var cookie = ""

  /// The page's CSRF token, as its forms carry it.
  static func csrf(in page: String) -> String? {
    guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
    return String(page[range.upperBound...].prefix { $0 != "\"" })
  }

  func get(_ path: String) throws -> HTTPReply {
    try curl("GET", base + path, headers: cookie.isEmpty ? [] : ["Cookie: \(cookie)"])
  }

  /// A plain form post (`application/x-www-form-urlencoded`), as a browser sends one.
  func post(_ path: String, _ fields: [(String, String)], origin: String? = nil) throws -> HTTPReply {
    try curl(
      "POST", base + path, headers: (cookie.isEmpty ? [] : ["Cookie: \(cookie)"]),
      options: fields.flatMap { ["--data-urlencode", "\($0.0)=\($0.1)"] })
  }

  /// A form with a file (`multipart/form-data`).
  func postMultipart(_ path: String, _ fields: [(String, String)], file: URL?) throws -> HTTPReply {
    try curl(
      "POST", base + path, headers: ["Cookie: \(cookie)"],
      options: fields.flatMap { ["--form-string", "\($0.0)=\($0.1)"] }
        + (file.map { ["-F", "file=@\($0.path)"] } ?? []))
  }

  /// Logs in through the form; keeps the session cookie.
  mutating func login(_ account: String, _ password: String) throws -> HTTPReply {
    let reply = try post(
      "/console/login", [("account", account), ("password", password), ("next", "/console/")])
    if let session = reply.sessionCookie { cookie = "liandong_session=\(session.value)" }
    return reply
  }
}

extension ConsoleVisit {
  /// A visit already logged in as `account`.
  static func loggedIn(_ base: String, _ account: String, _ password: String) throws -> ConsoleVisit {
    var visit = ConsoleVisit(base: base)
    _ = try visit.login(account, password)
    return visit
  }
}

extension NodeProcess {
  /// A request from this node to `other` that this node cancels while `other` completes it:
  /// a conflict on both sides, carried to this node. Returns the request's ID.
  func crossingRequest(to other: NodeProcess) async throws -> String {
    let request = try await cli(
      "request", "send", "--to", other.name, "--case", "c-9", "--legal-basis", "Art. 45", "--task",
      "interview"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await carry(to: other)
    #expect(try await other.cli("request", "accept", request).status == 0)
    try await other.carry(to: self)
    #expect(try await cli("request", "cancel", request, "--reason", "shop closed").status == 0)
    #expect(try await other.cli("request", "complete", request, "--findings", "interviewed").status == 0)
    try await other.carry(to: self)
    return request
  }

  /// Gives each account its role (by issuing it a token, as an operator would) and its password,
  /// for a console test to log in with.
  func accounts(_ accounts: [(name: String, role: String, password: String)]) async throws {
    for account in accounts {
      _ = try await token(account.name, role: account.role)
      _ = try setPassword(account.name, account.password)
    }
  }
}

extension HTTPReply {
  /// A console page that shows the refusal `code` with `status`.
  func isProblemPage(_ status: Int, _ code: String) -> Bool {
    self.status == status && body.contains(#"id="problem""#) && body.contains(code)
  }

  var location: String? {
    headers.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("location:") }
      .map { $0.dropFirst("location:".count).trimmingCharacters(in: .whitespaces) }
  }
}

@Suite("The officers' console through curl: sessions, forms, escaping, roles", .serialized)
struct ConsoleTests {
  @Test("a file found damaged on this node's disk is shown as damaged on its case page, with no download")
  func damagedFile() async throws {
    let federation = try TestFederation(label: "console-damaged", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    _ = try await jjj.token("li.wei", role: "officer")
    _ = try jjj.setPassword("li.wei", "雨后春笋 spring rain")
    let lead = try await jjj.addLead()
    let content = randomBytes(20_000, seed: 61)
    let file = temporaryDirectory("console-damaged").appendingPathComponent("shot.png")
    try content.write(to: file)
    let added = try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical")
    let evidence = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let hex = SHA256.hash(content).hex
    try Data("altered".utf8).write(to: jjj.data.appendingPathComponent("blobs/\(hex.prefix(2))/\(hex)"))
    #expect(try await jjj.cli("verify").status == 1)

    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    var visit = ConsoleVisit(base: base)
    _ = try visit.login("li.wei", "雨后春笋 spring rain")
    let page = try visit.get("/console/leads/\(lead)")
    #expect(
      page.status == 200 && page.body.contains(#"id="damaged-\#(evidence)""#), "\(page.body.suffix(3000))")
    #expect(page.body.contains("已损坏") && !page.body.contains("/console/evidence/\(evidence)/file"))
  }

  @Test(
    "a visitor is sent to the login form; an officer logs in, records a lead with a screenshot by a plain form, and its page shows it, its file and its signed story"
  )
  func recordALead() async throws {
    let federation = try TestFederation(label: "console", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    _ = try await jjj.token("li.wei", role: "officer")
    _ = try jjj.setPassword("li.wei", "雨后春笋 spring rain")
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    var visit = ConsoleVisit(base: base)

    let away = try visit.get("/console/leads?q=%E5%BA%97")
    #expect(
      away.status == 303 && away.location == "/console/login?next=/console/leads%3Fq%3D%25E5%25BA%2597",
      "\(away)")
    let stranger = try visit.post("/console/leads/0000/acts", [("act", "acknowledge")])
    #expect(
      stranger.location == "/console/login?next=/console/", "after logging in, a form's address is no page")
    let form = try visit.get("/console/login")
    #expect(form.status == 200 && form.body.contains("登录") && form.body.contains(#"lang="zh-CN""#))
    let wrong = try visit.post("/console/login", [("account", "li.wei"), ("password", "not it at all")])
    #expect(
      wrong.status == 401 && wrong.body.contains("auth.login-failed")
        && wrong.body.contains(#"value="li.wei""#))
    #expect(try visit.login("li.wei", "雨后春笋 spring rain").location == "/console/")
    let worklist = try visit.get("/console/")
    #expect(worklist.status == 200 && worklist.body.contains("待签收的线索") && worklist.body.contains("li.wei"))
    #expect(worklist.headers.contains("Content-Security-Policy: default-src 'none'"), "\(worklist.headers)")
    let csrf = try #require(ConsoleVisit.csrf(in: worklist.body))

    let screenshot = temporaryDirectory("console-upload").appendingPathComponent("店铺截图.png")
    try FileManager.default.createDirectory(
      at: screenshot.deletingLastPathComponent(), withIntermediateDirectories: true)
    let bytes = randomBytes(700_000, seed: 5)
    try bytes.write(to: screenshot)
    let fields = [
      ("csrf", csrf), ("subjectName", "某某检测报告代办网店"), ("subjectKind", "shop"), ("platform", "某电商平台"),
      ("violation", "forged-report"), ("violation", "misused-cma"), ("summary", "出售伪造的检验检测报告，一天出具"),
      ("risk", "high"), ("to", "yrd"),
    ]
    let created = try visit.postMultipart("/console/leads", fields, file: screenshot)
    let location = try #require(created.location, "\(created)")
    #expect(
      created.status == 303 && location.hasPrefix("/console/leads/") && location.hasSuffix("?done=recorded"))
    let page = try visit.get(location)
    #expect(page.status == 200 && page.body.contains("已登记并签名"), "\(page.body.prefix(3000))")
    #expect(page.body.contains("出售伪造的检验检测报告") && page.body.contains("伪造检验检测报告、冒用CMA标志"))
    #expect(page.body.contains("店铺截图.png") && page.body.contains("签名与链已核验"))
    #expect(page.body.contains(#"data-node="jjj""#) && page.body.contains("li.wei"))
    let evidence = try #require(
      page.body.range(of: #"/console/evidence/[0-9a-f-]+/file"#, options: .regularExpression).map {
        String(page.body[$0])
      })
    let download = screenshot.deletingLastPathComponent().appendingPathComponent("downloaded")
    let fetched = try await run(
      "/usr/bin/curl",
      ["-s", "-S", "-D", "-", "-o", download.path, "-H", "Cookie: \(visit.cookie)", base + evidence])
    #expect(
      fetched.stdout.hasPrefix("HTTP/1.1 200") && (try? Data(contentsOf: download)) == bytes, "\(fetched)")
    #expect(
      fetched.stdout.contains("filename*=UTF-8''%E5%BA%97%E9%93%BA%E6%88%AA%E5%9B%BE.png"), "\(fetched)")

    // The list finds it by Chinese text; a refused form keeps what was typed.
    #expect(try visit.get("/console/leads?q=%E4%BB%A3%E5%8A%9E").body.contains("某某检测报告代办网店"))
    // And by the day it was recorded, as the filter form sends it (empty fields ask for nothing).
    let day = CivilDate(chinaDayOf: Date().unixMillis)
    let onTheDay = try visit.get("/console/leads?q=&state=&risk=&from=\(day)&to=\(day)&sort=oldest")
    #expect(
      onTheDay.body.contains("某某检测报告代办网店") && onTheDay.body.contains(#"value="\#(day)""#)
        && onTheDay.body.contains(#"<option value="oldest" selected>"#), "\(onTheDay.body.prefix(3000))")
    let later = try visit.get("/console/leads?from=\(day.adding(days: 1))")
    #expect(later.status == 200 && !later.body.contains("某某检测报告代办网店") && later.body.contains("没有符合条件的线索"))
    let refused = try visit.postMultipart(
      "/console/leads", [("csrf", csrf), ("subjectName", "另一家网店"), ("summary", "  ")], file: nil)
    #expect(
      refused.status == 400 && refused.body.contains("另一家网店"),
      "\(refused.status) \(refused.body.prefix(2000))")
    #expect(
      try await jjj.cli("lead", "list", "--json").stdout.components(separatedBy: "\"summary\"").count == 2)

    // The report page fills the notice's table; its CSV is the command line's, byte for byte.
    let today = ISO8601DateFormatter.string(
      from: Date(), timeZone: TimeZone(identifier: "Asia/Shanghai")!, formatOptions: [.withFullDate])
    let report = try visit.get("/console/report?from=2026-01-01&to=\(today)")
    #expect(report.status == 200 && report.body.contains("专项整治行动情况统计表") && report.body.contains("涉及网络交易平台1家"))
    let csv = try visit.get("/console/report.csv?from=2026-01-01&to=\(today)")
    let cli = try await jjj.cli("report", "--from", "2026-01-01", "--to", today, "--format", "csv")
    #expect(
      csv.status == 200 && csv.body == cli.stdout && csv.headers.contains("text/csv"),
      "\(csv.status) \(csv.body.debugDescription)\n\(cli.stdout.debugDescription)")
    #expect(try visit.get("/console/report?from=2026-02-30").isProblemPage(400, "input.date"))
  }

  @Test(
    "an act without the page's CSRF token is refused and changes nothing; a summary with markup or a bidi override from a peer renders inert and visible"
  )
  func csrfAndEscaping() async throws {
    let federation = try TestFederation(label: "console-safety", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> \u{202E}gpj.exe"
    let added = try await jjj.cli(
      "lead", "add", "--subject-name", "网店<b>粗体</b>", "--violation", "forged-report", "--summary", hostile,
      "--to", "yrd")
    #expect(added.status == 0, "\(added)")
    try await jjj.carry(to: yrd)
    _ = try await yrd.token("wang.fang", role: "officer")
    _ = try yrd.setPassword("wang.fang", "松下问童子 pine tree")
    _ = try await yrd.token("audit", role: "auditor")
    _ = try yrd.setPassword("audit", "审计抽查 sampling day")
    _ = try await yrd.token("ops", role: "operator")
    _ = try yrd.setPassword("ops", "运维值班 night shift")
    let base = try await yrd.serveAPI()
    defer { _ = yrd.stop() }
    var visit = ConsoleVisit(base: base)
    _ = try visit.login("wang.fang", "松下问童子 pine tree")

    let worklist = try visit.get("/console/")
    let link = try #require(
      worklist.body.range(of: #"/console/leads/[0-9a-f-]+"#, options: .regularExpression).map {
        String(worklist.body[$0])
      }, "the lead sent to yrd waits in its worklist: \(worklist.body)")
    let page = try visit.get(link)
    #expect(
      !page.body.contains("<script>alert") && !page.body.contains("<img src=x") && !page.body.contains("<b>"))
    #expect(
      page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        && page.body.contains("\\u{202E}gpj.exe"))
    #expect(!page.body.contains("\u{202E}"), "the override itself never reaches the page")
    #expect(page.body.contains(#"id="act-acknowledge""#), "yrd may acknowledge the lead sent to it")

    let withoutToken = try visit.post(link + "/acts", [("act", "acknowledge")])
    #expect(withoutToken.status == 403 && withoutToken.body.contains("auth.csrf"), "\(withoutToken)")
    let otherToken = try visit.post(
      link + "/acts", [("act", "acknowledge"), ("csrf", "forged-by-another-site")])
    #expect(otherToken.status == 403)
    #expect(
      !(try await yrd.cli("lead", "show", String(link.split(separator: "/").last!), "--json").stdout.contains(
        "acknowledged")))
    let csrf = try #require(ConsoleVisit.csrf(in: page.body))
    let done = try visit.post(link + "/acts", [("act", "acknowledge"), ("csrf", csrf)])
    #expect(done.status == 303 && done.location?.hasSuffix("?done=act") == true, "\(done)")
    let after = try visit.get(link)
    #expect(after.body.contains("已签收") && !after.body.contains(#"id="act-acknowledge""#))
    #expect(after.body.contains(#"id="act-check""#) && after.body.contains(#"id="act-decide""#))
    let twice = try visit.post(link + "/acts", [("act", "acknowledge"), ("csrf", csrf)])
    #expect(
      twice.status == 409 && twice.body.contains("op.wrong-state"),
      "\(twice.status) \(twice.body.prefix(1500))")

    // An auditor reads the case, and is offered no act.
    var auditor = ConsoleVisit(base: base)
    _ = try auditor.login("audit", "审计抽查 sampling day")
    let audited = try auditor.get(link)
    #expect(audited.status == 200 && audited.body.contains("gpj.exe") && audited.body.contains("您现在没有可办理的操作"))
    #expect(
      !audited.body.contains(#"action="/console/leads/"#) && !audited.body.contains("/console/leads/new"))
    let auditCSRF = try #require(ConsoleVisit.csrf(in: audited.body))
    #expect(
      try auditor.post(link + "/acts", [("act", "check"), ("csrf", auditCSRF)]).isProblemPage(
        403, "auth.not-permitted"))

    // An operator runs the node but reads no case content.
    var operatorVisit = ConsoleVisit(base: base)
    _ = try operatorVisit.login("ops", "运维值班 night shift")
    let opsHome = try operatorVisit.get("/console/")
    #expect(opsHome.status == 200 && opsHome.body.contains("节点状态") && !opsHome.body.contains("网店"))
    let opsLead = try operatorVisit.get(link)
    #expect(
      opsLead.status == 403 && opsLead.body.contains("auth.not-permitted") && !opsLead.body.contains("gpj"))

    // Logging out ends the session; the cookie then leads back to the login form.
    let logout = try visit.post("/console/logout", [("csrf", csrf)])
    #expect(
      logout.location == "/console/login" && logout.sessionCookie?.attributes.contains("Max-Age=0") == true)
    #expect(try visit.get("/console/").status == 303)
  }
}
