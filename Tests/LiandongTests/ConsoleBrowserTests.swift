import Foundation
import LiandongTesting
import Testing

/// The console in a real browser: Debian's Chromium and chromedriver, driven by Selenium from
/// `Tests/Browser/console_scenario.py`, against three real nodes syncing on loopback.
@Suite("The officers' console in Chromium", .serialized)
struct ConsoleBrowserTests {

  /// The test command installs Chromium, its driver, Selenium and axe; skipped only where one is
  /// missing outside CI (in CI a missing one fails the test).
  static let browserInstalled: Bool =
    FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    && (try? run("/usr/bin/env", ["python3", "-c", "import selenium, axe_selenium_python"]).status) == 0

  @Test(
    "jjj records a lead with a screenshot for yrd; yrd sees it arrive live and acknowledges it; jjj's page shows both regions' verified entries; hostile text, a cross-site form, an operator and prd are kept out",
    .enabled(
      if: browserInstalled || ProcessInfo.processInfo.environment["CI"] == "true",
      "chromium, chromedriver or selenium is not installed (scripts/test installs them)"))
  func scenario() async throws {
    let federation = try TestFederation(label: "console-browser", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    // Checkpoints every second, so that the case page can show who holds each entry within the test.
    for node in [jjj, yrd, prd] { try node.editConfiguration { $0["checkpointSeconds"] = 1 } }
    let password = "雨后春笋 spring rain"
    // yrd's is the section's supervisor: accepting a hand-off is a leader's act (DOMAIN.md).
    for (node, account, role) in [
      (jjj, "li.wei", "officer"), (yrd, "wang.fang", "supervisor"), (prd, "zhao.lei", "officer"),
      (yrd, "shen.ji", "auditor"),
    ] {
      _ = try await node.token(account, role: role)
      #expect(try node.setPassword(account, password).status == 0)
    }
    _ = try await yrd.token("ops", role: "operator")
    _ = try yrd.setPassword("ops", "运维值班 night shift")
    try await jjj.introduce(to: yrd, prd)
    try await yrd.introduce(to: prd)
    // A lead whose text is an attack, recorded on jjj and synced to yrd like any other.
    let hostile = try await jjj.cli(
      "lead", "add", "--subject-name", "网店", "--violation", "forged-report", "--summary",
      "<script>alert('x')</script><img src=x onerror=alert(1)> \u{202E}gpj.exe", "--to", "yrd", "--json")
    let hostileID = try #require(
      (try JSONSerialization.jsonObject(with: Data(hostile.stdout.utf8)) as? [String: Any])?["id"] as? String,
      "\(hostile)")
    // An assistance request from jjj to yrd, for yrd's officer to answer in the browser.
    let sent = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "京市监案〔2026〕88号", "--legal-basis", "《市场监督管理行政处罚程序规定》第十一条",
      "--task", "verify-registration", "--details", "核实该网店经营者的登记信息", "--json")
    let requestID = try #require(
      (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["id"] as? String,
      "\(sent)")

    // yrd's own case with the documents of a transfer to police, which its supervisor reports in
    // the browser and then approves.
    let yrdCase = try await yrd.addLead(subject: "伪造报告工作室", summary: "涉嫌伪造检验检测报告，金额巨大")
    let documents = temporaryDirectory("browser-police")
    try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
    var documentIDs: [String] = []
    for name in ["移送函.pdf", "调查报告.pdf", "涉案物品清单.pdf"] {
      try Data(name.utf8).write(to: documents.appendingPathComponent(name))
      documentIDs.append(
        try await yrd.cli(
          "evidence", "add", yrdCase, documents.appendingPathComponent(name).path, "--category",
          "documentary",
          "--to", "yrd"
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var urls: [String: String] = [:]
    for node in [jjj, yrd, prd] { urls[node.name] = try await node.serveAPI(interval: 1) }
    defer { for node in [jjj, yrd, prd] { _ = node.stop() } }
    let holiday = try await HolidayPair(password: password)
    defer { holiday.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    try await jjj.cli("peer", "add", "prd", "127.0.0.1:\(prd.port)")
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    try await yrd.cli("peer", "add", "prd", "127.0.0.1:\(prd.port)")
    try await prd.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    try await prd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    if try await !eventually(60, { try await yrd.cli("lead", "show", hostileID).status == 0 }) {
      Issue.record(
        "yrd never got the lead: \(String(describing: try? await yrd.cli("lead", "show", hostileID)))")
    }

    let screenshots = repositoryRoot.appendingPathComponent(".build/console-screenshots")
    try? FileManager.default.removeItem(at: screenshots)
    try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
    let upload = temporaryDirectory("browser-upload")
    try FileManager.default.createDirectory(at: upload, withIntermediateDirectories: true)
    let file = upload.appendingPathComponent("店铺页面截图.png")
    try randomBytes(400_000, seed: 3).write(to: file)

    let result = try await run(
      "/usr/bin/env",
      ["python3", repositoryRoot.appendingPathComponent("Tests/Browser/console_scenario.py").path],
      environment: [
        "JJJ_URL": urls["jjj"]!, "YRD_URL": urls["yrd"]!, "PRD_URL": urls["prd"]!,
        "OFFICER_PASSWORD": password,
        "OPERATOR_PASSWORD": "运维值班 night shift", "SCREENSHOTS": screenshots.path, "UPLOAD_FILE": file.path,
        "HOSTILE_LEAD": hostileID, "REQUEST": requestID, "POLICE_CASE": yrdCase,
        "POLICE_DOCUMENTS": documentIDs.joined(separator: ","),
        // To hold the console's report against the command line's, on jjj's own data.
        "LIANDONG": liandongBinary.path, "JJJ_DATA": jjj.data.path,
        "HOLIDAY_URL": holiday.url, "HOLIDAY_REQUEST": holiday.request,
        "REQUEST_DEADLINE": HolidayPair.deadline, "REQUEST_DAYS_LEFT": "15",
      ], timeout: 600)
    print("console screenshots: \(screenshots.path)")
    #expect(
      result.status == 0 && result.stdout.contains("every step passed"),
      "\(result.stdout.suffix(4000))\n\(result.stderr.suffix(4000))\n\(yrd.log.suffix(1500))")
    // What the browser did is what the nodes signed.
    let answered = try await jjj.cli("request", "show", requestID, "--json").stdout
    #expect(answered.contains("\"completed\"") && answered.contains("登记地址与实际经营地不符"), "\(answered)")
    let reported = try await yrd.cli("police", "list", "--json").stdout
    #expect(
      reported.contains("雄安新区公安局") && reported.contains("\"approved\"")
        && reported.contains(documentIDs[1]), "\(reported)")
    for node in [jjj, yrd, prd] {
      #expect(!node.log.contains("internal.unexpected"), "\(node.name): \(node.log.suffix(2000))")
    }
  }
}

/// Two more bureaus, whose clocks stand at Monday 28 September 2026, 10:00 in China (through
/// `faketime`), so that the deadline board counts across the Mid-Autumn and National Day holidays
/// of the official schedule: jjj sends yrd an assistance request, carried by a change file, and
/// yrd serves its console. (Their own periodic sync is not used: Swift's `Task.sleep` never wakes
/// under libfaketime 0.9.10, so a node under `faketime` dials no peer by itself.)
struct HolidayPair {
  /// 15 working days after the request arrives on Monday 28 September 2026: 29 and 30 September,
  /// then, past the holiday of 1-7 October, 8, 9 and Saturday 10 October (a make-up working day)
  /// and ten more: Friday 23 October. Weekdays alone would give Monday 19 October.
  static let deadline = "2026-10-23"
  static let day = Date(timeIntervalSince1970: 1_790_560_800)

  let jjj, yrd: NodeProcess
  let url, request: String

  init(password: String) async throws {
    let federation = try TestFederation(label: "console-holiday", madeOn: "2026-09-20 00:00:00")
    for node in ["jjj", "yrd"] { try federation.issue(node) }
    let offset = "\(Int(Self.day.timeIntervalSinceNow.rounded()))"
    jjj = try await NodeProcess("jjj", federation: federation, clockOffset: offset)
    yrd = try await NodeProcess("yrd", federation: federation, clockOffset: offset)
    try await jjj.introduce(to: yrd)
    let sent = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "京市监案〔2026〕71号", "--legal-basis", "《市场监督管理行政处罚程序规定》第十一条",
      "--task", "verify-registration", "--details", "节前发出的协查", "--json")
    request = try #require(
      (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["id"] as? String,
      "\(sent)")
    try await jjj.carry(to: yrd)
    _ = try await yrd.token("wang.fang", role: "supervisor")
    #expect(try yrd.setPassword("wang.fang", password).status == 0)
    url = try await yrd.serveAPI()
    // Both sides count the same last day.
    for node in [jjj, yrd] {
      let due = try await node.cli("due", "--json").stdout
      #expect(due.contains(request) && due.contains(Self.deadline), "\(node.name): \(due)")
    }
  }

  func stop() {
    _ = yrd.stop()
  }
}
