import Foundation
import Hummingbird
import LiandongApp
import Testing

@testable import LiandongAPI

/// A burst from one client: every request gets a clear answer, nothing of it is stored, and the
/// node still serves others afterwards.
@Suite("The HTTP API under a burst", .serialized)
struct HTTPBurstTests {
  @Test(
    "3,000 bad requests, 200 at a time from one client: each answered 400 or 503 api.busy, nothing stored, the node still serves"
  )
  func burst() async throws {
    let federation = try TestFederation(label: "api-burst", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let officer = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let folder = temporaryDirectory("burst")
    let body = folder.appendingPathComponent("lead.json")
    try Data(
      HTTPAPITests.lead.replacingOccurrences(
        of: "\"kind\": \"shop\"", with: "\"kind\": \"shop\", \"uscc\": \"91350100M000100Y44\""
      )
      .utf8
    ).write(to: body)
    let started = Date()
    let result = try await run(
      "/usr/bin/curl",
      [
        "-s", "--parallel", "--parallel-max", "200", "-o", "/dev/null", "-w", "%{http_code}\n", "-X", "POST",
        "-H", "Authorization: Bearer \(officer)", "-H", "Content-Type: application/json",
        "--data-binary", "@\(body.path)", base + "/v1/leads?n=[1-3000]",
      ], timeout: 600)
    let statuses = result.stdout.split(separator: "\n").map(String.init)
    let counts = Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count)
    print(
      "burst: 3,000 requests in \(Int(Date().timeIntervalSince(started))) s: \(counts.sorted { $0.key < $1.key })"
    )
    #expect(statuses.count == 3000, "\(result.stderr.suffix(500))")
    #expect(Set(statuses).isSubset(of: ["400", "503"]), "\(counts)")

    let busy = try curl("GET", base + "/healthz")
    #expect(busy.status == 200, "the node still serves: \(busy)")
    let created = try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead)
    #expect(created.status == 201, "\(created)")
    let stored = try await jjj.cli("lead", "list", "--json").stdout
    #expect(
      (try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [Any])?.count == 1, "only the good one")
    #expect(!jjj.log.contains("internal.unexpected"))
  }
}

/// The gate behind `api.busy`, alone: the burst above rarely fills it on a fast machine.
@Suite("The API's request gate")
struct RequestGateTests {
  @Test(
    "the gate admits its maximum, refuses one more with 503 api.busy and Retry-After, and admits again as requests end"
  )
  func gate() {
    let gate = LiandongAPI.RequestGate(maximum: 3)
    #expect((1...3).allSatisfy { _ in gate.enter() })
    #expect(!gate.enter())
    gate.leave()
    #expect(gate.enter())
    let busy = LiandongAPI.Busy(maximum: 3)
    #expect(busy.code == "api.busy")
    let response = LiandongAPI.ProblemMiddleware<BasicRequestContext>.response(
      Failure(busy), retryAfter: busy.retryAfter)
    #expect(response.status.code == 503 && response.headers[.retryAfter] == "1")
  }
}
