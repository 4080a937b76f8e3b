import Foundation
import Testing

/// The two acts on a case's page that start something of their own: an assistance request to
/// another region, and the report that the case should go to the police. Through curl, as a
/// browser posts the forms.
@Suite("The console's case page: asking for assistance, reporting to the police")
struct ConsoleCaseRequestTests {
  /// jjj and yrd, introduced; on jjj a case of its own with three documents (shared with yrd)
  /// and an officer and an auditor; yrd not serving yet.
  struct Case {
    let jjj, yrd: NodeProcess
    let lead: String
    let documents: [String]
    let base: String

    init(_ label: String) async throws {
      let federation = try TestFederation(label: label, nodes: ["jjj", "yrd"])
      jjj = try await NodeProcess("jjj", federation: federation)
      yrd = try await NodeProcess("yrd", federation: federation)
      try await jjj.introduce(to: yrd)
      lead = try await jjj.addLead(subject: "速通检测", to: "yrd")
      let folder = temporaryDirectory(label)
      var documents: [String] = []
      for name in ["移送函.pdf", "调查报告.pdf", "物品清单.pdf"] {
        let file = folder.appendingPathComponent(name)
        try Data(name.utf8).write(to: file)
        let added = try await jjj.cli(
          "evidence", "add", lead, file.path, "--category", "documentary", "--to", "yrd")
        documents.append(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
      }
      self.documents = documents
      try await jjj.accounts([
        ("li.wei", "officer", "办案人员 case officer"), ("shen.ji", "auditor", "审计人员 auditor x"),
      ])
      base = try await jjj.serveAPI()
    }

    func stop() {
      _ = jjj.stop()
      _ = yrd.stop()
    }
  }

  static func list(_ node: NodeProcess, _ what: String) async throws -> [[String: Any]] {
    let listed = try await node.cli(what, "list", "--json")
    #expect(listed.status == 0, "\(listed)")
    return try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
  }

  @Test(
    "an officer asks yrd for assistance from the case's page; a refused form keeps what was typed and sends nothing; an auditor is offered no such form"
  )
  func assistance() async throws {
    let fixture = try await Case("console-assist")
    defer { fixture.stop() }
    let officer = try ConsoleVisit.loggedIn(fixture.base, "li.wei", "办案人员 case officer")
    let page = try officer.get("/console/leads/\(fixture.lead)")
    #expect(
      page.body.contains(#"id="act-request-send""#) && page.body.contains(#"value="interview""#)
        && page.body.contains("询问") && page.body.contains(#"value="\#(fixture.documents[0])""#)
        && page.body.contains("移送函.pdf"), "\(page.body.suffix(4000))")
    let csrf = try #require(ConsoleVisit.csrf(in: page.body))
    let path = "/console/leads/\(fixture.lead)/requests"
    let basis = "《市场监督管理行政处罚程序规定》第四十五条"
    let form: [(String, String)] = [
      ("csrf", csrf), ("act", "request-send"), ("to", "yrd"), ("caseReference", "京市监案〔2026〕12号"),
      ("legalBasis", basis), ("tasks", "interview"), ("tasks", "verify-registration"),
      ("evidence", fixture.documents[1]),
    ]

    let passed = try officer.post(path, form + [("wantedBy", "2020-01-01")])
    #expect(passed.isProblemPage(400, "input.date-passed"), "\(passed)")
    #expect(
      passed.body.contains(basis) && passed.body.contains(#"value="interview" checked"#)
        && passed.body.contains(#"value="\#(fixture.documents[1])" checked"#)
        && passed.body.contains(#"value="2020-01-01""#),
      "the form lost what was typed: \(passed.body.suffix(4000))")
    let noTask = try officer.post(path, form.filter { $0.0 != "tasks" })
    #expect(noTask.isProblemPage(400, "input.missing") && noTask.body.contains("task"), "\(noTask)")
    #expect(try await Self.list(fixture.jjj, "request").isEmpty, "a refused form sent a request")

    let sent = try officer.post(path, form + [("wantedBy", "")])
    #expect(sent.status == 303, "\(sent)")
    let location = try #require(sent.location)
    #expect(location.hasPrefix("/console/requests/"), "\(location)")
    let shown = try officer.get(location)
    #expect(
      shown.status == 200 && shown.body.contains("协助调查请求已签名发出") && shown.body.contains("京市监案〔2026〕12号"),
      "\(shown.body.suffix(3000))")
    let requests = try await Self.list(fixture.jjj, "request")
    #expect(requests.count == 1, "\(requests)")
    #expect(requests.first?["requested"] as? String == "yrd")
    #expect(Set(requests.first?["tasks"] as? [String] ?? []) == ["interview", "verify-registration"])
    #expect(requests.first?["evidence"] as? [String] == [fixture.documents[1]])
    #expect(requests.first?["legalBasis"] as? String == basis)

    try await fixture.jjj.carry(to: fixture.yrd)
    let received = try await Self.list(fixture.yrd, "request")
    #expect(received.first?["id"] as? String == requests.first?["id"] as? String, "\(received)")

    let auditor = try ConsoleVisit.loggedIn(fixture.base, "shen.ji", "审计人员 auditor x")
    let read = try auditor.get("/console/leads/\(fixture.lead)")
    #expect(
      read.status == 200 && !read.body.contains("act-request-send")
        && !read.body.contains("act-police-create"))
    let forged = try auditor.post(path, [("csrf", ConsoleVisit.csrf(in: read.body) ?? "")] + form.dropFirst())
    #expect(forged.isProblemPage(403, "auth.not-permitted"), "\(forged)")
    #expect(try await Self.list(fixture.jjj, "request").count == 1)
  }

  @Test(
    "an officer reports the case for transfer to police with its documents; without the police office nothing is recorded; on yrd the form waits until yrd opens a case"
  )
  func police() async throws {
    let fixture = try await Case("console-police-create")
    defer { fixture.stop() }
    let officer = try ConsoleVisit.loggedIn(fixture.base, "li.wei", "办案人员 case officer")
    let page = try officer.get("/console/leads/\(fixture.lead)")
    #expect(page.body.contains(#"id="act-police-create""#), "\(page.body.suffix(4000))")
    let path = "/console/leads/\(fixture.lead)/police"
    let form: [(String, String)] = [
      ("csrf", ConsoleVisit.csrf(in: page.body) ?? ""), ("act", "police-create"),
      ("letter", fixture.documents[0]),
      ("investigationReport", fixture.documents[1]), ("itemsList", fixture.documents[2]),
      ("testReports", fixture.documents[1]),
    ]
    let noPolice = try officer.post(path, form + [("police", "  ")])
    #expect(noPolice.isProblemPage(400, "input.missing") && noPolice.body.contains("police"), "\(noPolice)")
    #expect(
      noPolice.body.contains(#"<option value="\#(fixture.documents[2])" selected>"#),
      "the chosen documents were lost: \(noPolice.body.suffix(4000))")
    #expect(try await Self.list(fixture.jjj, "police").isEmpty, "a refused form recorded a transfer")

    let reported = try officer.post(path, form + [("police", "北京市公安局经侦总队")])
    #expect(reported.status == 303 && reported.location == "/console/police?done=reported", "\(reported)")
    let transfers = try officer.get(try #require(reported.location))
    #expect(
      transfers.body.contains("已报请移送公安") && transfers.body.contains("北京市公安局经侦总队")
        && transfers.body.contains("待批准"), "\(transfers.body.suffix(3000))")
    let recorded = try await Self.list(fixture.jjj, "police")
    #expect(recorded.count == 1, "\(recorded)")
    #expect(recorded.first?["letter"] as? String == fixture.documents[0])
    #expect(recorded.first?["itemsList"] as? String == fixture.documents[2])
    #expect(recorded.first?["testReports"] as? [String] == [fixture.documents[1]])

    // On yrd, which received the lead: a lead to acknowledge is no case yet; one being checked
    // may need another region's help; only a case yrd opened may go to the police from yrd.
    try await fixture.jjj.carry(to: fixture.yrd)
    try await fixture.yrd.accounts([("chen.jing", "officer", "办案人员 yrd officer")])
    let yrdBase = try await fixture.yrd.serveAPI()
    let yrdOfficer = try ConsoleVisit.loggedIn(yrdBase, "chen.jing", "办案人员 yrd officer")
    func offered() throws -> (request: Bool, police: Bool) {
      let body = try yrdOfficer.get("/console/leads/\(fixture.lead)").body
      return (body.contains(#"id="act-request-send""#), body.contains(#"id="act-police-create""#))
    }
    #expect(try offered() == (false, false))
    #expect(try await fixture.yrd.cli("lead", "acknowledge", fixture.lead).status == 0)
    #expect(try offered() == (true, false))
    let opened = try await fixture.yrd.cli(
      "lead", "decide", fixture.lead, "--outcome", "case-opened", "--case", "沪市监案〔2026〕7号")
    #expect(opened.status == 0, "\(opened)")
    #expect(try offered() == (true, true))
  }
}
