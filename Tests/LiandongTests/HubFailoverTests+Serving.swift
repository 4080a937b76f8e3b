import Foundation
import LiandongTesting
import Testing

/// The failover of `HubFailoverTests`, with the hub itself running: `liandong serve` on a
/// database behind HAProxy and Patroni, a peer syncing its officers' leads to it, and officers of
/// the hub writing leads through its HTTP API, while the primary is killed with SIGKILL. In the
/// same serialized suite: two clusters at once race for the loopback ports each set aside.
extension HubFailoverTests {
  @Test(
    "the primary killed while a peer syncs and officers write through the API: nothing acknowledged is lost, no fork, writes resume within 30 s, the old primary rejoins"
  )
  func servingHubPrimaryKilled() async throws {
    let cluster = try await PatroniCluster()
    defer { cluster.stop() }
    try cluster.psql("CREATE DATABASE hub ENCODING 'UTF8' TEMPLATE template0", port: cluster.haproxyPort)
    let federation = try TestFederation(label: "hub-serving", nodes: ["hub", "yrd"])
    let hub = try await NodeProcess(
      "hub", federation: federation, initOptions: ["--store", cluster.url(database: "hub")])
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await hub.introduce(to: yrd)
    let token = try await hub.token("li.wei", role: "officer")
    let base = try await hub.serveAPI(interval: 0.5)
    defer { _ = hub.stop() }
    try await yrd.serve(interval: 0.3)
    defer { _ = yrd.stop() }
    try await yrd.cli("peer", "add", "hub", "127.0.0.1:\(hub.port)")

    let officers = WriteLedger.apiOfficers(base: base, token: token, threads: 2)
    defer { officers.stop() }
    let peer = WriteLedger.peerOfficer(yrd)
    defer { peer.stop() }
    #expect(
      await eventually(60) { officers.acknowledged.count >= 10 }, "the API writes: \(hub.log.suffix(1500))")
    guard let round = try await cluster.failOver(under: officers) else { return }
    #expect(round.downtime != nil, "the API's writes resumed: \(hub.log.suffix(2000))")
    // Some more of each after the failover, then both stop.
    let (apiBefore, peerBefore) = (officers.acknowledged.count, peer.acknowledged.count)
    #expect(
      await eventually(30) {
        officers.acknowledged.count >= apiBefore + 5 && peer.acknowledged.count >= peerBefore + 3
      })
    officers.stop()
    peer.stop()

    // Everything acknowledged is on the hub: every lead the API answered 201 for, and every lead
    // yrd's officers recorded, which yrd's sync then handed over.
    let wanted = officers.acknowledged.union(peer.acknowledged)
    var missing = wanted
    var held: [[String: Any]] = []
    let complete = try await eventually(120) {
      let listed = try await hub.cli("lead", "list", "--json")
      held = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
      missing = wanted.subtracting(held.compactMap { $0["id"] as? String })
      return missing.isEmpty
    }
    // A request retried with its Idempotency-Key through the failover recorded its lead once.
    let apiSummaries = held.compactMap { $0["summary"] as? String }.filter { $0.hasPrefix("API ") }
    #expect(
      apiSummaries.count == Set(apiSummaries).count && apiSummaries.count == officers.acknowledged.count,
      "\(apiSummaries.count) API leads for \(Set(apiSummaries).count) keys, \(officers.acknowledged.count) acknowledged"
    )
    #expect(
      complete, "acknowledged and not on the hub: \(missing.sorted().prefix(10)) \(hub.log.suffix(1500))")
    // No fork, and the log verifies.
    let forks = try await hub.cli("fork", "list", "--json")
    let listedForks = try JSONSerialization.jsonObject(with: Data(forks.stdout.utf8)) as? [Any]
    #expect(forks.status == 0 && listedForks?.isEmpty == true, "\(forks)")
    let verified = try await hub.cli("verify", "--quick")
    #expect(verified.status == 0, "\(verified)")
    // What a case system was told meanwhile: try again (503), never an error of its own.
    #expect(
      officers.errorCodes.allSatisfy { $0.hasPrefix("503 ") },
      "answers during the failover: \(officers.errorCodes)")
    print(
      "serving hub failover: \(officers.acknowledged.count) API leads and \(peer.acknowledged.count) synced leads acknowledged, "
        + "\(missing.count) lost; API writes resumed after " + String(format: "%.1f", round.downtime ?? -1)
        + " s; "
        + "\(officers.failures) API attempts refused (\(officers.errorCodes.sorted().joined(separator: ", ")))"
    )
  }
}

extension WriteLedger {
  /// Officers of the hub creating leads through its API with `curl`, each on a thread of its
  /// own. A lead whose answer was not 201 is asked for again with the same `Idempotency-Key`
  /// until it is, so that a retry never records it twice. A refusal is recorded as its HTTP
  /// status and problem code ("503 store.postgres-unreachable"), or "no answer".
  static func apiOfficers(base: String, token: String, threads: Int) -> WriteLedger {
    writers(threads: threads, pause: 100_000) { ledger, thread, number in
      let key = "failover-\(thread)-\(number)"
      let body = """
        {"subject": {"kind": "shop", "name": "某店\(thread)-\(number)"}, "violations": ["forged-report"],
         "summary": "API \(key)", "to": "all"}
        """
      let begun = Date()
      let reply = try? curl(
        "POST", base + "/v1/leads", token: token, json: body, headers: ["Idempotency-Key: \(key)"])
      if let reply, reply.status == 201, let id = reply.json["id"] as? String {
        ledger.acknowledge(id, begun: begun)
        return true
      }
      ledger.refuse(code: reply.map { "\($0.status) \($0.code ?? "")" } ?? "no answer")
      return false
    }
  }

  /// An officer of the peer recording a lead for everyone every 200 ms with `liandong lead add`:
  /// each one printed back is acknowledged by the peer, whose sync must bring it to the hub.
  static func peerOfficer(_ node: NodeProcess) -> WriteLedger {
    let ledger = WriteLedger()
    ledger.thread {
      var number = 0
      while !ledger.isStopped {
        number += 1
        let begun = Date()
        let added = try? run(
          liandongBinary.path,
          [
            "lead", "add", "--subject-name", "对端店\(number)", "--violation", "forged-report", "--summary",
            "synced \(number)", "--to", "all", "--data", node.data.path,
          ])
        if let added, added.status == 0 {
          ledger.acknowledge(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines), begun: begun)
        } else {
          ledger.refuse(code: nil)
        }
        usleep(200_000)
      }
    }
    return ledger
  }
}
