import Foundation
import Testing

/// The console's transfers to police (行刑衔接), through curl as a browser uses it.
@Suite("The console's transfers to police")
struct ConsolePoliceTests {
  @Test(
    "a supervisor approves a transfer to police, an officer may not; the officer then records the transfer with its receipt, and a step without its note is refused"
  )
  func supervisorApproves() async throws {
    let federation = try TestFederation(label: "console-police", nodes: ["yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let lead = try await yrd.addLead(subject: "速通检测")
    let folder = temporaryDirectory("console-police")
    var documents: [String] = []
    for name in ["letter.pdf", "report.pdf", "items.pdf"] {
      try Data(name.utf8).write(to: folder.appendingPathComponent(name))
      let added = try await yrd.cli(
        "evidence", "add", lead, folder.appendingPathComponent(name).path, "--category", "documentary",
        "--to",
        "yrd")
      documents.append(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let created = try await yrd.cli(
      "police", "create", lead, "--police", "浦东分局", "--letter", documents[0], "--report", documents[1],
      "--items", documents[2])
    #expect(created.status == 0, "\(created)")
    let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await yrd.accounts([
      ("li.wei", "officer", "办案人员 case officer"), ("wang.ke", "supervisor", "科室负责人 supervisor"),
    ])
    let base = try await yrd.serveAPI()
    defer { _ = yrd.stop() }

    let officer = try ConsoleVisit.loggedIn(base, "li.wei", "办案人员 case officer")
    let reported = try officer.get("/console/police")
    #expect(
      reported.status == 200 && reported.body.contains(#"data-transfer="\#(id)""#)
        && reported.body.contains("浦东分局") && reported.body.contains("待批准")
        && !reported.body.contains("批准移送"), "\(reported.body.suffix(3000))")
    let csrf = ConsoleVisit.csrf(in: reported.body) ?? ""
    let byOfficer = try officer.post("/console/police/\(id)/acts", [("csrf", csrf), ("step", "approve")])
    #expect(byOfficer.isProblemPage(403, "auth.not-permitted"), "\(byOfficer)")

    let supervisor = try ConsoleVisit.loggedIn(base, "wang.ke", "科室负责人 supervisor")
    let offered = try supervisor.get("/console/police")
    #expect(offered.body.contains("批准移送") && offered.body.contains("不予批准"), "\(offered.body.suffix(3000))")
    let approved = try supervisor.post(
      "/console/police/\(id)/acts",
      [("csrf", ConsoleVisit.csrf(in: offered.body) ?? ""), ("step", "approve")])
    #expect(approved.status == 303, "\(approved)")

    let next = try officer.get("/console/police")
    #expect(
      next.body.contains("已批准") && next.body.contains("已移送（填写回执）") && !next.body.contains("批准移送"),
      "\(next.body.suffix(3000))")
    // The transfer's own page: its package with each file, the approval's time, and the next step,
    // which comes back to this page.
    let page = try officer.get("/console/police/\(id)")
    #expect(
      page.status == 200 && page.body.contains("letter.pdf") && page.body.contains("report.pdf")
        && page.body.contains("items.pdf")
        && page.body.contains(#"href="/console/evidence/\#(documents[0])/file""#)
        && page.body.contains("批准时间") && page.body.contains(#"name="return" value="transfer""#),
      "\(page.body.suffix(4000))")
    #expect(try officer.get("/console/police/0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11").status == 404)
    let noReceipt = try officer.post(
      "/console/police/\(id)/acts", [("csrf", csrf), ("step", "transfer"), ("note", " ")])
    #expect(noReceipt.status >= 400 && noReceipt.body.contains("needs a note"), "\(noReceipt)")
    let transferred = try officer.post(
      "/console/police/\(id)/acts",
      [("csrf", csrf), ("step", "transfer"), ("note", "浦东分局回执 118"), ("return", "transfer")])
    #expect(
      transferred.status == 303 && transferred.location == "/console/police/\(id)?done=act", "\(transferred)")
    #expect(try officer.get("/console/police/\(id)").body.contains("移送时间"))
    #expect(try officer.get("/console/police").body.contains("已移送"))
    let listed = try await yrd.cli("police", "list")
    #expect(listed.stdout.contains("transferred") && listed.stdout.contains("浦东分局回执 118"), "\(listed)")
  }
}
