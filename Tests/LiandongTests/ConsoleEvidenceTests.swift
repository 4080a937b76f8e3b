import Foundation
import Testing

/// Evidence on a case's page in the console, through curl as a browser uses it.
@Suite("The console's evidence acts")
struct ConsoleEvidenceTests {
  @Test(
    "an officer adds a file to a lead, shares it with another region by a signed act, and downloads the lead's bundle, which verifies with openssl alone; an auditor gets the bundle but no forms; mistakes are said"
  )
  func addShareAndBundle() async throws {
    let federation = try TestFederation(label: "console-evidence", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await jjj.introduce(to: yrd, prd)
    let lead = try await jjj.addLead(subject: "检测报告代办", summary: "网店出售伪造报告", to: "yrd")
    try await jjj.accounts([
      ("li.wei", "officer", "办案人员 case officer"), ("shen.ji", "auditor", "审计人员 auditor here"),
    ])
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let officer = try ConsoleVisit.loggedIn(base, "li.wei", "办案人员 case officer")

    let before = try officer.get("/console/leads/\(lead)")
    #expect(
      before.body.contains(#"id="add-evidence""#) && !before.body.contains(#"id="bundle""#),
      "\(before.body.suffix(3000))")
    let csrf = ConsoleVisit.csrf(in: before.body) ?? ""
    let folder = temporaryDirectory("console-evidence")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let empty = folder.appendingPathComponent("空白.png")
    try Data().write(to: empty)
    let refused = try officer.postMultipart(
      "/console/leads/\(lead)/evidence", [("csrf", csrf), ("category", "electronic-data")], file: empty)
    #expect(refused.isProblemPage(400, "evidence.empty") && refused.body.contains("空白.png"), "\(refused)")

    let file = folder.appendingPathComponent("订单截图.png")
    try randomBytes(200_000, seed: 7).write(to: file)
    let added = try officer.postMultipart(
      "/console/leads/\(lead)/evidence",
      [("csrf", csrf), ("category", "electronic-data"), ("howFixed", "screenshot"), ("description", "下单页面")],
      file: file)
    #expect(added.status == 303 && added.location == "/console/leads/\(lead)?done=evidence", "\(added)")
    let page = try officer.get("/console/leads/\(lead)?done=evidence")
    #expect(
      page.body.contains("订单截图.png") && page.body.contains("证据已添加") && page.body.contains(#"id="bundle""#),
      "\(page.body.suffix(3000))")
    let listed = try await jjj.cli("evidence", "list", "--item", lead, "--json")
    let item = try #require(
      (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first,
      "\(listed)")
    let evidenceID = try #require(item["id"] as? String)
    #expect(item["category"] as? String == "electronic-data" && item["fixedBy"] as? String == "li.wei")

    // Sharing names the regions; none ticked is refused with the reason.
    let none = try officer.post("/console/evidence/\(evidenceID)/share", [("csrf", csrf), ("note", "")])
    #expect(
      none.isProblemPage(400, "usage.share-to") && none.body.contains("填写有误，未办理")
        && none.body.contains("请至少勾选一个要共享的地区"), "\(none)")
    let shared = try officer.post(
      "/console/evidence/\(evidenceID)/share", [("csrf", csrf), ("to", "prd"), ("note", "请协查")])
    #expect(shared.status == 303 && shared.location == "/console/leads/\(lead)?done=shared", "\(shared)")
    let shown = try await jjj.cli("evidence", "show", evidenceID, "--json").stdout
    #expect(shown.contains("\"prd\"") && shown.contains("请协查"), "\(shown)")

    // The bundle downloads as one tar file that verifies with openssl alone, and leaves nothing
    // behind in the node's folder.
    let archive = folder.appendingPathComponent("bundle.tar")
    let download = try await run(
      "/usr/bin/curl",
      [
        "-s", "-o", archive.path, "-w", "%{http_code} %{content_type}", "-H", "Cookie: \(officer.cookie)",
        base + "/console/leads/\(lead)/bundle",
      ])
    #expect(download.stdout == "200 application/x-tar", "\(download)")
    let verified = try verifyDownloadedBundle(archive, of: lead)
    #expect(verified.status == 0, "\(verified)")
    #expect(jjj.exportsLeft.isEmpty, "left in the node's exports folder: \(jjj.exportsLeft)")

    let auditor = try ConsoleVisit.loggedIn(base, "shen.ji", "审计人员 auditor here")
    let read = try auditor.get("/console/leads/\(lead)")
    #expect(
      read.body.contains(#"id="bundle""#) && !read.body.contains(#"id="add-evidence""#)
        && !read.body.contains(#"action="/console/evidence/"#), "\(read.body.suffix(3000))")
    let forbidden = try auditor.post(
      "/console/evidence/\(evidenceID)/share",
      [("csrf", ConsoleVisit.csrf(in: read.body) ?? ""), ("to", "yrd")])
    #expect(forbidden.isProblemPage(403, "auth.not-permitted"), "\(forbidden)")
  }
}
