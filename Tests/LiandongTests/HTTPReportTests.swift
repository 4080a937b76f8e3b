import Foundation
import Testing

/// Conflicts, early warnings and the campaign report through the API, held against what the
/// command line says on the same node: one use case behind both.
@Suite("The API's conflicts, alerts and campaign report", .serialized)
struct HTTPReportTests {
  @Test(
    "conflicts (and resolving one), alerts and the report (JSON and CSV) are the command line's; bad days are refused with the reason"
  )
  func asTheCommandLine() async throws {
    let federation = try TestFederation(label: "api-report", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    for node in [jjj, yrd] {
      #expect(
        try await node.cli(
          "lead", "add", "--subject-name", "速通检测", "--subject-uscc", "91350100M000100Y43", "--violation",
          "forged-report", "--summary", "一天出报告", "--to", "all"
        ).status == 0)
    }
    let request = try await jjj.crossingRequest(to: yrd)

    let token = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    func same(_ path: String, _ arguments: String...) async throws -> (api: Any?, cli: Any?) {
      let reply = try curl("GET", base + path, token: token)
      let printed = try await jjj.cli(arguments)
      return (
        try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)),
        try? JSONSerialization.jsonObject(with: Data(printed.stdout.utf8))
      )
    }
    let conflicts = try await same("/v1/conflicts", "conflicts", "--json")
    #expect(
      (conflicts.api as? [[String: Any]])?.first?["id"] as? String == request
        && (conflicts.api as? NSArray)?.isEqual(conflicts.cli) == true, "\(conflicts)")
    // Either party resolves it through the API, naming the act that stands as the list shows it.
    let acts = try #require((conflicts.api as? [[String: Any]])?.first?["acts"] as? String)
    let stands = String(acts.split(separator: ";")[0])
    let resolved = try curl(
      "POST", base + "/v1/requests/\(request)/acts", token: token,
      json: #"{"act": "resolve", "keep": "\#(stands)"}"#)
    #expect(resolved.status == 200 && resolved.json["conflict"] == nil, "\(resolved)")
    #expect(try curl("GET", base + "/v1/conflicts", token: token).jsonArray.isEmpty)
    #expect(
      try curl("POST", base + "/v1/requests/\(request)/acts", token: token, json: #"{"act": "resolve"}"#)
        .isProblem(400, "api.bad-request"))
    let alerts = try await same("/v1/alerts", "alerts", "--json")
    #expect(
      (alerts.api as? [[String: Any]])?.first?["subject"] as? String == "uscc 91350100M000100Y43"
        && (alerts.api as? NSArray)?.isEqual(alerts.cli) == true, "\(alerts)")
    let days = "from=2026-01-01&to=2026-12-31"
    let report = try await same(
      "/v1/report?\(days)", "report", "--json", "--from", "2026-01-01", "--to", "2026-12-31")
    #expect(
      (report.api as? [String: Any])?["from"] as? String == "2026-01-01"
        && (report.api as? NSDictionary)?.isEqual(report.cli) == true, "\(report)")
    let csv = try curl("GET", base + "/v1/report.csv?\(days)", token: token)
    let printed = try await jjj.cli("report", "--format", "csv", "--from", "2026-01-01", "--to", "2026-12-31")
      .stdout
    #expect(
      csv.status == 200 && csv.headers.lowercased().contains("content-type: text/csv")
        && csv.body.split(separator: "\n") == printed.split(separator: "\n"), "\(csv)")

    #expect(try curl("GET", base + "/v1/report?from=2026-13-01", token: token).isProblem(400, "input.date"))
    #expect(
      try curl("GET", base + "/v1/report?from=2026-12-31&to=2026-01-01", token: token).isProblem(
        400, "usage.date-range"))
  }
}
