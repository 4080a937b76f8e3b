import Foundation
import LiandongTesting
import Testing

/// `/v1/events` read by an SSE client nobody here wrote (`curl -N`), as a console's EventSource
/// reads it: live, resumable, and showing each role only what it may see.
@Suite("The live event stream", .serialized)
struct EventStreamTests {
  /// `curl -N` following the stream; its stdout grows as events arrive.
  func follow(_ base: String, token: String, lastEventID: String? = nil) throws -> ChildProcess {
    var arguments = ["-s", "-N", "-H", "Authorization: Bearer \(token)", base + "/v1/events?seconds=60"]
    if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
    return try ChildProcess("/usr/bin/curl", arguments)
  }

  /// The `data:` objects of the events a stream carried, in order.
  func events(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8))) as? [String: Any]
    }
  }

  @Test(
    "a client sees a commit within moments, resumes after a reconnect without loss or repeat, and an operator sees no case content"
  )
  func liveAndResumable() async throws {
    let federation = try TestFederation(label: "api-events", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let officer = try await jjj.token("li.wei", role: "officer")
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let watcher = try follow(base, token: officer)
    let operatorWatcher = try follow(base, token: operatorToken)
    defer {
      watcher.signal(SIGTERM)
      operatorWatcher.signal(SIGTERM)
      _ = watcher.wait(timeout: 10)
      _ = operatorWatcher.wait(timeout: 10)
    }
    #expect(await watcher.waitForOutput("retry: 2000", timeout: 10), "the stream opened: \(watcher.stdout)")
    let first = try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead)
    let firstID = try #require(first.json["id"] as? String, "\(first)")
    let committed = Date()
    #expect(await watcher.waitForOutput(firstID, timeout: 10), "\(watcher.stdout)")
    print(
      "event stream: the lead's event arrived \(Int(Date().timeIntervalSince(committed) * 1000)) ms after its POST returned"
    )
    let seen = try #require(events(watcher.stdout).last)
    #expect(seen["officer"] as? String == "li.wei" && seen["origin"] as? String == "jjj", "\(seen)")
    let position = try #require(seen["position"] as? Int)
    #expect(watcher.stdout.contains("id: \(position)\nevent: change\n"))

    // The operator's stream tells that something was committed, not what.
    #expect(
      await operatorWatcher.waitForOutput("\"position\":\(position)", timeout: 10),
      "\(operatorWatcher.stdout)")
    let hidden = try #require(events(operatorWatcher.stdout).last)
    #expect(hidden["objects"] == nil && hidden["officer"] == nil, "\(hidden)")

    // Disconnected, the client misses two commits; reconnecting from its last id, it gets both, once.
    watcher.signal(SIGTERM)
    _ = await watcher.wait(timeout: 10)
    let second = try #require(
      try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead).json["id"] as? String)
    let third = try #require(
      try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead).json["id"] as? String)
    let resumed = try follow(base, token: officer, lastEventID: "\(position)")
    defer {
      resumed.signal(SIGTERM)
      _ = resumed.wait(timeout: 10)
    }
    #expect(await resumed.waitForOutput(third, timeout: 10), "\(resumed.stdout)")
    let replayed = events(resumed.stdout).compactMap { ($0["objects"] as? [String]) }
    #expect(!resumed.stdout.contains(firstID), "nothing twice")
    #expect(
      replayed.firstIndex { $0.contains(second) } ?? 99 < replayed.firstIndex { $0.contains(third) } ?? 0)

    let bad = try curl("GET", base + "/v1/events", token: officer, headers: ["Last-Event-ID: yesterday"])
    #expect(bad.status == 400, "\(bad)")
    #expect(try curl("GET", base + "/v1/events").isProblem(401, "auth.no-token"))

    // An open stream does not hold the node up when it stops: the stream ends, the node exits cleanly.
    let lingering = try follow(base, token: officer)
    #expect(await lingering.waitForOutput("retry: 2000", timeout: 10))
    let stopped = Date()
    #expect(jjj.stop() == 0, "\(jjj.log.suffix(1500))")
    #expect(await lingering.wait(timeout: 10) == 0, "the client saw the stream end")
    print(
      "event stream: serve stopped \(Int(Date().timeIntervalSince(stopped) * 1000)) ms after SIGTERM with a stream open"
    )
  }

  @Test("a sync with a peer is announced as a node event, with no id, to an operator's stream too")
  func nodeStateEvents() async throws {
    let federation = try TestFederation(label: "api-node-events", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    try await yrd.serve(interval: 3600)
    defer { _ = yrd.stop() }
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let base = try await jjj.serveAPI(interval: 1)
    defer { _ = jjj.stop() }
    let watcher = try follow(base, token: operatorToken)
    defer {
      watcher.signal(SIGTERM)
      _ = watcher.wait(timeout: 10)
    }
    #expect(await watcher.waitForOutput("retry: 2000", timeout: 10), "\(watcher.stdout)")
    #expect(!watcher.stdout.contains("event: node"), "nothing moved yet")
    // A peer added: serve's next round syncs with it, and the peer's row moves.
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    #expect(await watcher.waitForOutput("event: node\ndata: {}\n\n", timeout: 20), "\(watcher.stdout)")
    let frame = try #require(
      watcher.stdout.components(separatedBy: "\n\n").first { $0.contains("event: node") })
    #expect(!frame.contains("id:"), "a node event does not move the client's Last-Event-ID: \(frame)")
  }
}
