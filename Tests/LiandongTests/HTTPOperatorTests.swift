import Foundation
import LiandongTesting
import Testing

/// An operator runs the node from a browser or a script, without a shell on its machine: its
/// peers, the CA's revocation list and its backups, through the API.
@Suite("The API's operator acts: peers, the CRL, backups", .serialized)
struct HTTPOperatorTests {
  @Test(
    "an operator adds a peer, which the running node then syncs with, changes and removes it; bad input is refused"
  )
  func peers() async throws {
    let federation = try TestFederation(label: "api-peers", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let operatorToken = try await jjj.token("ops", role: "operator")
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let base = try await jjj.serveAPI(interval: 1)
    defer { _ = jjj.stop() }
    func peers() throws -> [[String: Any]] {
      let reply = try curl("GET", base + "/v1/peers", token: operatorToken)
      return (try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [[String: Any]]) ?? []
    }

    let added = try curl(
      "PUT", base + "/v1/peers/yrd", token: operatorToken, json: #"{"address": "127.0.0.1:\#(yrd.port)"}"#)
    #expect(added.status == 200 && added.json["node"] as? String == "yrd", "\(added)")
    // Not restarted: the running node reads its peers before every round.
    let synced = try await eventually(30) { try peers().first?["lastSuccess"] != nil }
    #expect(synced, "\(jjj.log.suffix(800))")

    let moved = try curl(
      "PUT", base + "/v1/peers/yrd", token: operatorToken, json: #"{"address": "127.0.0.1:9"}"#)
    #expect(moved.status == 200 && moved.json["address"] as? String == "127.0.0.1:9", "\(moved)")
    #expect(try peers().count == 1, "changing an address adds no second peer")

    let noPort = try curl(
      "PUT", base + "/v1/peers/prd", token: operatorToken, json: #"{"address": "somewhere"}"#)
    #expect(noPort.status == 400 && noPort.json["remedy"] != nil, "\(noPort)")
    let itself = try curl(
      "PUT", base + "/v1/peers/jjj", token: operatorToken, json: #"{"address": "127.0.0.1:7420"}"#)
    #expect(itself.isProblem(400, "usage.self-peer"), "\(itself)")
    let badName = try curl(
      "PUT", base + "/v1/peers/Y%20RD", token: operatorToken, json: #"{"address": "127.0.0.1:7420"}"#)
    #expect(badName.status == 400, "\(badName)")
    #expect(try peers().map { $0["node"] as? String } == ["yrd"], "nothing refused was stored")

    let removed = try curl("DELETE", base + "/v1/peers/yrd", token: operatorToken)
    #expect(removed.status == 204, "\(removed)")
    #expect(try peers().isEmpty)
    #expect(
      try curl("DELETE", base + "/v1/peers/yrd", token: operatorToken).isProblem(404, "object.not-found"))
  }

  @Test(
    "an operator installs the CA's new CRL: a dry run changes nothing, the install refuses a revoked peer at once without a reload, garbage is refused"
  )
  func revocationList() async throws {
    let federation = try TestFederation(label: "api-crl", nodes: ["jjj", "yrd", "prd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let jjj = try await NodeProcess("jjj", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    let operatorToken = try await yrd.token("ops", role: "operator")
    let base = try await yrd.serveAPI()
    defer { _ = yrd.stop() }
    for node in [jjj, prd] { try await node.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)") }
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let inForce = try Data(contentsOf: yrd.data.appendingPathComponent("crl.pem"))
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution

    try federation.revoke("jjj")
    try federation.publishCRL()
    let crl = try String(contentsOf: federation.crlURL, encoding: .utf8)
    func install(_ body: String, query: String = "") throws -> HTTPReply {
      try curl(
        "POST", base + "/v1/crl" + query, token: operatorToken, json: body, contentType: "text/plain")
    }
    let garbage = try install("not a CRL")
    #expect(garbage.isProblem(400, "crypto.unreadable-pem"), "\(garbage)")

    let preview = try install(crl, query: "?dryRun=true")
    #expect(preview.status == 200 && preview.json["dryRun"] as? Bool == true, "\(preview)")
    let revokes = preview.json["revokes"] as? [[String: Any]] ?? []
    #expect(revokes.map { $0["node"] as? String } == ["jjj"], "\(preview)")
    #expect(
      try Data(contentsOf: yrd.data.appendingPathComponent("crl.pem")) == inForce,
      "a dry run installs nothing")
    #expect(try await jjj.cli("sync", "yrd").status == 0, "nor puts anything in force")

    let installed = try install(crl)
    #expect(installed.status == 200 && installed.json["relayedIn"] is String, "\(installed)")
    // No SIGHUP: the API put it in force in the sync listener.
    let refused = try await jjj.cli("sync", "yrd")
    #expect(refused.failed(with: "sync.refused"), "\(refused)")
    #expect(try await prd.cli("sync", "yrd").status == 0, "an honest peer is still served")
    let again = try install(crl)
    #expect(again.status == 200 && again.json["relayedIn"] == nil, "installed twice, relayed once: \(again)")
  }

  @Test(
    "an operator backs up the running node: in the background, into backups/, readable by the node's user alone, and it restores"
  )
  func backup() async throws {
    let federation = try TestFederation(label: "api-backup", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let operatorToken = try await jjj.token("ops", role: "operator")
    let auditor = try await jjj.token("shen.ji", role: "auditor")
    _ = try await jjj.addLead(subject: "某检测服务店", summary: "出具虚假报告")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    #expect(try curl("GET", base + "/v1/backup", token: auditor).json["state"] as? String == "never")
    let started = try curl("POST", base + "/v1/backup", token: operatorToken)
    #expect(started.status == 202 && started.json["startedBy"] as? String == "ops", "\(started)")
    var shown: [String: Any] = [:]
    #expect(
      try await eventually(60) {
        shown = try curl("GET", base + "/v1/backup", token: auditor).json
        return shown["state"] as? String != "running"
      })
    #expect(shown["state"] as? String == "done" && shown["ok"] as? Bool == true, "\(shown)")
    let report = try #require(shown["report"] as? [String: Any])
    let file = try #require(report["file"] as? String)
    #expect(file.hasPrefix(jjj.data.appendingPathComponent("backups").path + "/liandong-jjj-"), "\(file)")
    let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
    #expect(mode == 0o600, "the backup holds node.key")

    let restored = temporaryDirectory("api-backup-restored")
    let restore = try await run(
      liandongBinary.path, ["restore", file, "--data", restored.path, "--json"], timeout: 60)
    #expect(restore.status == 0, "\(restore)")
    let summary = try JSONSerialization.jsonObject(with: Data(restore.stdout.utf8)) as? [String: Any]
    #expect(
      summary?["changes"] as? Int == report["changes"] as? Int && (report["changes"] as? Int ?? 0) >= 2,
      "\(restore)")
  }
}
