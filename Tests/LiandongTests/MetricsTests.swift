import Foundation
import Testing

/// `/metrics`, read by Prometheus's own Python client (`prometheus_client`, from PyPI): its
/// parser, not ours, decides whether the text is valid.
@Suite("Prometheus metrics", .serialized)
struct MetricsTests {
  static let parserInstalled =
    (try? run("/usr/bin/env", ["python3", "-c", "import prometheus_client"]))?
    .status == 0

  /// Every sample as `name{label="value",...}` → value, labels sorted, through the real parser.
  static func samples(_ text: String) throws -> [String: Double] {
    let folder = temporaryDirectory("metrics")
    let file = folder.appendingPathComponent("metrics.txt")
    try Data(text.utf8).write(to: file)
    let script = """
      import json, sys
      from prometheus_client.parser import text_string_to_metric_families
      out = {}
      for family in text_string_to_metric_families(open(sys.argv[1]).read()):
          for s in family.samples:
              labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
              out[s.name + "{" + labels + "}"] = s.value
      print(json.dumps(out))
      """
    let parsed = try run("/usr/bin/env", ["python3", "-c", script, file.path])
    guard parsed.status == 0,
      let object = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Double]
    else { throw TestFailure("prometheus_client could not parse /metrics: \(parsed)\n\(text.prefix(3000))") }
    return object
  }

  @Test(
    "after a scripted scenario the series carry the right values, and the text parses with prometheus_client",
    .enabled(if: parserInstalled, "prometheus_client is not installed (scripts/test installs it)"))
  func scenario() async throws {
    let federation = try TestFederation(label: "metrics", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    _ = try await yrd.addLead()
    _ = try await yrd.addLead(subject: "第二家店")
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    #expect(try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)").status == 0)
    #expect(try await jjj.cli("peer", "add", "prd", "127.0.0.1:1").status == 0)  // nobody listens there
    let officer = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    // serve's first round dials both peers at once; the next is a minute away.
    let firstRound = [
      #"liandong_sync_sessions_total{direction="outbound",outcome="ok",peer="yrd"}"#,
      #"liandong_sync_sessions_total{direction="outbound",outcome="failed",peer="prd"}"#,
    ]
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      let seen = try Self.samples(try curl("GET", base + "/metrics").body)
      if firstRound.allSatisfy({ seen[$0] == 1 }) { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    let created = try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead)
    #expect(created.status == 201, "after the round: yrd lacks it")
    #expect(try curl("GET", base + "/v1/whoami", token: officer).status == 200)
    #expect(try curl("GET", base + "/v1/whoami").status == 401)
    #expect(try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)").status == 0)
    #expect(try await yrd.cli("sync", "jjj").status == 0, "an inbound session for jjj")

    let reply = try curl("GET", base + "/metrics")
    #expect(
      reply.status == 200 && reply.headers.lowercased().contains("content-type: text/plain"), "\(reply)")
    let samples = try Self.samples(reply.body)
    func value(_ key: String) -> Double? { samples[key] }
    let (yrdLabel, prdLabel) = (#"{peer="yrd"}"#, #"{peer="prd"}"#)

    for series in firstRound { #expect(value(series) == 1, "\(series): \(reply.body)") }
    #expect(value(#"liandong_sync_sessions_total{direction="inbound",outcome="ok",peer="yrd"}"#) == 1)
    #expect((value(#"liandong_changes_received_total{peer="yrd"}"#) ?? 0) >= 2)
    #expect(value("liandong_changes_held{origin=\"yrd\"}") == 3, "two leads and the first change")
    #expect(value("liandong_peer_lag_changes" + yrdLabel) == 1, "the lead made after the last outbound sync")
    #expect((value("liandong_peer_lag_seconds" + yrdLabel) ?? -1) >= 0)
    #expect(value("liandong_peer_last_success_timestamp_seconds" + prdLabel) == nil)
    #expect((value("liandong_peer_last_failure_timestamp_seconds" + prdLabel) ?? 0) > 1_700_000_000)
    #expect(value("liandong_forks{}") == 0 && value("liandong_quarantined_origins{}") == 0)
    #expect(value(#"liandong_evidence_files{state="held"}"#) == 0)
    #expect((value("liandong_crl_next_update_seconds{}") ?? 0) > 0)
    #expect((value("liandong_certificate_expiry_seconds{}") ?? 0) > 300 * 86_400)
    #expect(value("liandong_deadline_calendar_ok{}") == 1)
    #expect((value("liandong_disk_free_bytes{}") ?? 0) > 0)
    #expect((value("liandong_disk_free_bytes{}") ?? .infinity) <= value("liandong_disk_size_bytes{}") ?? 0)
    // Told by yrd's Hello in serve's own round: both clocks are this machine's.
    let offset = try #require(value("liandong_peer_clock_offset_seconds" + yrdLabel), "\(reply.body)")
    #expect(abs(offset) < 5, "\(offset)")
    let whoami = samples.filter {
      $0.key.hasPrefix("liandong_http_request_duration_seconds_count{")
        && $0.key.contains(#"route="/v1/whoami""#)
    }
    #expect(whoami.values.reduce(0, +) == 2, "\(whoami)")
    #expect(whoami.keys.contains { $0.contains(#"status="401""#) }, "\(whoami)")
  }

  @Test(
    "liandong_deadlines counts the open deadlines the due list shows, by kind and urgency",
    .enabled(if: parserInstalled, "prometheus_client is not installed (scripts/test installs it)"))
  func deadlines() async throws {
    let federation = try TestFederation(label: "metrics-due", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    for node in [jjj, yrd] { try node.countWithCalendarAhead() }
    try await jjj.introduce(to: yrd)
    // Two leads yrd asks jjj to decide on, one jjj asks yrd to (jjj follows it as the origin),
    // one shared with everybody (nobody is asked to decide), and an assistance request to yrd.
    _ = try await yrd.addLead(subject: "第一家店", to: "jjj")
    _ = try await yrd.addLead(subject: "第二家店", to: "jjj")
    _ = try await yrd.addLead(subject: "第三家店")
    try await yrd.carry(to: jjj)
    _ = try await jjj.addLead(subject: "第四家店", to: "yrd")
    let sent = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "京市监案〔2026〕12号", "--legal-basis", "《市场监督管理行政处罚程序规定》第十一条",
      "--task", "verify-registration", "--details", "核实登记信息")
    #expect(sent.status == 0, "\(sent)")
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    // The due list is case content: a supervisor reads it, the operator reads only the counts.
    let due = try await curl("GET", base + "/v1/due", token: try jjj.token("zhao.lead", role: "supervisor"))
    let items = try #require(
      try JSONSerialization.jsonObject(with: Data(due.body.utf8)) as? [[String: Any]], "\(due)")
    let listed = Dictionary(grouping: items) {
      #"liandong_deadlines{kind="\#($0["kind"] as? String ?? "")",urgency="\#($0["urgency"] as? String ?? "")"}"#
    }.mapValues { Double($0.count) }
    let samples = try Self.samples(try curl("GET", base + "/metrics", token: operatorToken).body)
    let counted = samples.filter { $0.key.hasPrefix("liandong_deadlines{") }
    #expect(counted == listed, "metrics \(counted), due list \(listed)")
    #expect(counted[#"liandong_deadlines{kind="lead",urgency="ok"}"#] == 3, "\(counted)")
    #expect(counted[#"liandong_deadlines{kind="request",urgency="ok"}"#] == 1, "\(counted)")
  }

  @Test("off loopback, /metrics needs an operator's credentials")
  func operatorOnly() async throws {
    let federation = try TestFederation(label: "metrics-auth", nodes: [])
    try federation.issue("jjj", hosts: ["127.0.0.1"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let officer = try await jjj.token("li.wei", role: "officer")
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let announced = try await jjj.serveAPI(https: true, address: "0.0.0.0:0")
    defer { _ = jjj.stop() }
    let base = announced.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
    let trusted = ["--cacert", federation.caURL.path]
    #expect(try curl("GET", base + "/metrics", options: trusted).isProblem(401, "auth.no-token"))
    #expect(
      try curl("GET", base + "/metrics", token: officer, options: trusted).isProblem(
        403, "auth.not-permitted"))
    let allowed = try curl("GET", base + "/metrics", token: operatorToken, options: trusted)
    #expect(
      allowed.status == 200 && allowed.body.contains("liandong_certificate_expiry_seconds"), "\(allowed)")
  }
}
