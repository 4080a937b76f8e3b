import Foundation
import Testing

/// The console's hand-offs (案件移送), through curl as a browser uses it.
@Suite("The console's hand-offs")
struct ConsoleHandOffTests {
  @Test(
    "a case offered to this bureau is on the hand-offs page; only a supervisor accepts it, an officer is told whom to ask and is refused"
  )
  func supervisorAccepts() async throws {
    let federation = try TestFederation(label: "console-handoffs", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.addLead(subject: "假证速办店", summary: "出售伪造的检验报告", to: "yrd")
    let offered = try await jjj.cli(
      "handoff", "offer", lead, "--to", "yrd", "--letter", "该店实际经营地在雄安，依法移送管辖")
    #expect(offered.status == 0, "\(offered)")
    try await jjj.carry(to: yrd)

    try await yrd.accounts([
      ("li.wei", "officer", "办案人员 case officer"), ("wang.ke", "supervisor", "科室负责人 supervisor"),
    ])
    let base = try await yrd.serveAPI()
    defer { _ = yrd.stop() }

    let officer = try ConsoleVisit.loggedIn(base, "li.wei", "办案人员 case officer")
    let list = try officer.get("/console/handoffs")
    #expect(
      list.status == 200 && list.body.contains(#"<tr data-lead="\#(lead)">"#) && list.body.contains("假证速办店")
        && list.body.contains("待对方接受") && list.body.contains("该店实际经营地在雄安")
        && list.body.contains("接受或异议须由负责人") && !list.body.contains(#"class="yours""#),
      "\(list.body.suffix(3000))")
    let page = try officer.get("/console/leads/\(lead)")
    #expect(
      page.status == 200 && !page.body.contains(#"id="act-handoff-accept""#)
        && !page.body.contains(#"id="act-handoff-object""#), "\(page.body.suffix(3000))")
    let refused = try officer.post(
      "/console/leads/\(lead)/handoff",
      [("csrf", ConsoleVisit.csrf(in: page.body) ?? ""), ("act", "handoff-accept")])
    #expect(refused.isProblemPage(403, "auth.not-permitted"), "\(refused)")

    let supervisor = try ConsoleVisit.loggedIn(base, "wang.ke", "科室负责人 supervisor")
    let theirs = try supervisor.get("/console/handoffs")
    #expect(
      theirs.body.contains(#"<a href="/console/leads/\#(lead)#acts" class="yours">接受移送、对移送提出异议</a>"#),
      "\(theirs.body.suffix(3000))")
    let casePage = try supervisor.get("/console/leads/\(lead)")
    #expect(casePage.body.contains(#"id="act-handoff-accept""#), "\(casePage.body.suffix(3000))")
    let accepted = try supervisor.post(
      "/console/leads/\(lead)/handoff",
      [("csrf", ConsoleVisit.csrf(in: casePage.body) ?? ""), ("act", "handoff-accept")])
    #expect(accepted.status == 303, "\(accepted)")
    let after = try officer.get("/console/handoffs")
    #expect(
      after.body.contains(#"<td class="handoff-state">已接受"#) && !after.body.contains("接受或异议须由负责人"),
      "\(after.body.suffix(3000))")
    // The case's story reads in Chinese, with the words each officer wrote.
    let story = try officer.get("/console/leads/\(lead)")
    #expect(
      story.body.contains("登记线索：出售伪造的检验报告") && story.body.contains("移送案件：→ yrd：该店实际经营地在雄安，依法移送管辖")
        && story.body.contains("<td>接受移送</td>"), "\(story.body.suffix(3000))")
    let english = try curl(
      "GET", base + "/console/leads/\(lead)", headers: ["Cookie: \(officer.cookie); liandong_lang=en"])
    #expect(english.body.contains("hand-off offer of case"), "\(english.body.suffix(3000))")
  }
}
