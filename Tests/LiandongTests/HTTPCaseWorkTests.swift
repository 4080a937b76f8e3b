import Foundation
import Testing

/// An officer's day through the API: what is due, a received request answered step by step, a
/// received lead acknowledged and decided; each act signed as the account that made it.
@Suite("The HTTP API's case work, through curl", .serialized)
struct HTTPCaseWorkTests {
  @Test("a received request and lead are worked through the API, with the CLI's rules and refusals")
  func receivedWork() async throws {
    let federation = try TestFederation(label: "api-work", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    for node in [jjj, yrd] { try node.countWithCalendarAhead() }
    try await jjj.introduce(to: yrd)
    let sent = try await yrd.cli(
      "request", "send", "--to", "jjj", "--case", "沪市监-2026-17", "--legal-basis", "Art. 45", "--task",
      "interview", "--json")
    let requestID = try #require(
      (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["id"] as? String,
      "\(sent)")
    let leadID = try await yrd.cli(
      "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary", "一天出报告",
      "--to", "all"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await yrd.carry(to: jjj)
    let officer = try await jjj.token("li.wei", role: "officer")
    let auditor = try await jjj.token("zhang.min", role: "auditor")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let requests = try curl("GET", base + "/v1/requests", token: auditor)
    #expect(
      requests.jsonArray.first { $0["id"] as? String == requestID }?["state"] as? String == "sent",
      "\(requests)")
    // Filters, as `request list` has them.
    func listed(_ query: String) throws -> [String] {
      try curl("GET", base + "/v1/requests?" + query, token: auditor).jsonArray.compactMap {
        $0["id"] as? String
      }
    }
    #expect(try listed("direction=received&state=sent&peer=yrd&q=%E6%B2%AA%E5%B8%82%E7%9B%91") == [requestID])  // 沪市监
    #expect(try listed("direction=sent").isEmpty && listed("q=nothing%20like%20it").isEmpty)
    #expect(
      try curl("GET", base + "/v1/requests?from=2026-12-05&to=2026-12-01", token: auditor)
        .isProblem(400, "usage.date-range"))
    let short = String(requestID.prefix(8))
    func act(_ path: String, _ body: String, token: String? = nil, key: String? = nil) throws -> HTTPReply {
      try curl(
        "POST", base + path, token: token ?? officer, json: body,
        headers: key.map { ["Idempotency-Key: \($0)"] } ?? [])
    }
    #expect(
      try act("/v1/requests/\(short)/acts", #"{"act": "acknowledge"}"#, token: auditor)
        .isProblem(403, "auth.not-permitted"))
    let acknowledged = try act("/v1/requests/\(short)/acts", #"{"act": "acknowledge"}"#, key: "ack-1")
    #expect(acknowledged.json["state"] as? String == "acknowledged", "\(acknowledged)")
    #expect(
      try act("/v1/requests/\(short)/acts", #"{"act": "acknowledge"}"#, key: "ack-1").status == 200,
      "a retried act answers as the first did")
    let due = try curl("GET", base + "/v1/due", token: officer)
    let item = (due.jsonArray.first { $0["id"] as? String == requestID })
    #expect(item?["workingDaysLeft"] as? Int == 15 && item?["side"] as? String == "requested", "\(due)")
    #expect(
      try act("/v1/requests/\(short)/acts", #"{"act": "extend", "reason": "须调取平台数据"}"#)
        .isProblem(400, "api.bad-request"), "extend needs workingDays")
    #expect(
      try act("/v1/requests/\(short)/acts", #"{"act": "cancel", "reason": "x"}"#)
        .isProblem(403, "request.wrong-party"), "only the requester cancels")
    let done = try act(
      "/v1/requests/\(short)/acts", #"{"act": "complete", "findings": "经营者已注销，交易记录已调取"}"#)
    #expect(done.json["state"] as? String == "completed", "\(done)")

    let decideBare = try act("/v1/leads/\(leadID)/acts", #"{"act": "decide"}"#)
    #expect(decideBare.isProblem(400, "api.bad-request") && decideBare.body.contains("needs outcome"))
    #expect(try act("/v1/leads/\(leadID)/acts", #"{"act": "acknowledge"}"#).status == 200)
    let decided = try act(
      "/v1/leads/\(leadID)/acts",
      #"{"act": "decide", "outcome": "case-opened", "caseReference": "京市监-2026-3"}"#)
    let handling = (decided.json["handling"] as? [[String: Any]])?.first { $0["bureau"] as? String == "jjj" }
    #expect(handling?["state"] as? String == "case-opened", "\(decided)")
    #expect(
      try act("/v1/leads/\(leadID)/acts", #"{"act": "withdraw"}"#).status == 403, "only the origin withdraws")
    #expect(try curl("GET", base + "/v1/requests/nosuch-id", token: officer).status == 400)

    let history = try await jjj.cli("history", leadID, "--json").stdout
    #expect(history.contains("\"li.wei\""), "the acts name the account: \(history)")
    let peers = try curl("GET", base + "/v1/peers", token: auditor)
    #expect(peers.status == 200, "\(peers)")
  }

  @Test(
    "a case system sends an assistance request through the API; it reaches the requested bureau, and a request to itself, to a stranger or wanted by a past day is refused"
  )
  func sendRequest() async throws {
    let federation = try TestFederation(label: "api-send-request", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let officer = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    func send(_ fields: String, key: String? = nil) throws -> HTTPReply {
      try curl(
        "POST", base + "/v1/requests", token: officer,
        json: #"{"caseReference": "京市监案〔2026〕88号", "legalBasis": "《市场监督管理行政处罚程序规定》第十一条", "#
          + fields + "}", headers: key.map { ["Idempotency-Key: \($0)"] } ?? [])
    }
    let body = #""to": "yrd", "tasks": ["verify-registration", "interview"], "details": "核实登记信息""#
    let sent = try send(body, key: "request-1")
    #expect(
      sent.status == 201 && sent.json["requested"] as? String == "yrd"
        && sent.json["state"] as? String == "sent"
        && sent.json["createdBy"] as? String == "li.wei", "\(sent)")
    let id = try #require(sent.json["id"] as? String)
    #expect(try send(body, key: "request-1").json["id"] as? String == id, "a retry sends nothing twice")

    #expect(try send(#""to": "jjj", "tasks": ["interview"]"#).isProblem(400, "usage.request-self"))
    #expect(
      try send(#""to": "yrd", "tasks": ["interview"], "wantedBy": "2020-01-01""#).isProblem(
        400, "input.date-passed"))
    #expect(try send(#""to": "yrd", "tasks": ["bribery"]"#).status == 400)
    #expect(try send(#""to": "yrd", "tasks": []"#).status == 400)
    let stranger = try send(#""to": "zzz", "tasks": ["interview"]"#)
    #expect(stranger.status >= 400 && stranger.status < 500 && stranger.code?.isEmpty == false, "\(stranger)")

    // The request reaches yrd, where it falls due.
    try await jjj.carry(to: yrd)
    let held = try await yrd.cli("request", "show", id, "--json").stdout
    #expect(held.contains("核实登记信息") && held.contains("\"li.wei\""), "\(held)")
    #expect(try await yrd.cli("due", "--json").stdout.contains(id))
    #expect(!jjj.log.contains("internal.unexpected"))
  }
}

extension HTTPReply {
  var jsonArray: [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? []
  }
}
