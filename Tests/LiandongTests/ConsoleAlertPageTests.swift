import Foundation
import Testing

/// The console's page of early warnings and conflicts, through curl as a browser uses it.
@Suite("The console's warnings and conflicts")
struct ConsoleAlertPageTests {
  @Test(
    "an officer sees the alert on a shared subject and a crossing request's conflict, and warns the region that cannot see this node's lead; an auditor sees no form"
  )
  func alertsAndConflicts() async throws {
    let federation = try TestFederation(label: "console-alerts", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    func lead(_ node: NodeProcess, to: String) async throws -> String {
      try await node.cli(
        "lead", "add", "--subject-name", "速通检测", "--subject-uscc", "91350100M000100Y43", "--violation",
        "forged-report", "--summary", "s", "--to", to
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let secret = try await lead(jjj, to: "origin-only")
    let open = try await lead(yrd, to: "all")
    let request = try await jjj.crossingRequest(to: yrd)

    _ = try await jjj.token("li.wei", role: "officer")
    _ = try await jjj.token("shen.ji", role: "auditor")
    _ = try jjj.setPassword("li.wei", "办案人员 case officer")
    _ = try jjj.setPassword("shen.ji", "审计人员 auditor here")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    var officer = ConsoleVisit(base: base)
    _ = try officer.login("li.wei", "办案人员 case officer")
    let page = try officer.get("/console/alerts")
    #expect(page.status == 200, "\(page)")
    #expect(
      page.body.contains("uscc 91350100M000100Y43")
        && page.body.contains(#"href="/console/leads/\#(secret)""#)
        && page.body.contains(#"href="/console/leads/\#(open)""#)
        && page.body.contains("对方看不到本节点线索： yrd") && page.body.contains(#"id="warn-regions""#),
      "\(page.body.suffix(4000))")
    #expect(
      page.body.contains(#"href="/console/requests/\#(request)""#) && page.body.contains("cancel@")
        && page.body.contains("complete@") && page.body.contains("liandong request resolve"),
      "\(page.body.suffix(4000))")

    var auditor = ConsoleVisit(base: base)
    _ = try auditor.login("shen.ji", "审计人员 auditor here")
    let read = try auditor.get("/console/alerts")
    #expect(read.status == 200 && read.body.contains(secret) && !read.body.contains(#"id="warn-regions""#))
    let refused = try auditor.post(
      "/console/alerts/notify", [("csrf", ConsoleVisit.csrf(in: read.body) ?? "")])
    #expect(refused.isProblemPage(403, "auth.not-permitted"), "\(refused)")

    let warned = try officer.post(
      "/console/alerts/notify", [("csrf", ConsoleVisit.csrf(in: page.body) ?? "")])
    #expect(warned.status == 303, "\(warned)")
    let after = try officer.get("/console/alerts?warned=1")
    #expect(
      after.body.contains("已发送预警： 1") && !after.body.contains(#"id="warn-regions""#),
      "\(after.body.suffix(4000))")
    #expect(try await jjj.cli("alerts", "notify").stdout.contains("nothing to warn of"))
  }
}
