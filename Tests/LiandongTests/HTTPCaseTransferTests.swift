import Foundation
import Testing

/// A case leaving the bureau through the API, as a case system drives it: handed off to another
/// bureau, which accepts it by its leader's account; sent to the police with its package, approved
/// by a supervisor; its evidence sealed, shared and exported as a bundle that verifies with openssl.
@Suite("The API's hand-offs, transfers to police and evidence acts", .serialized)
struct HTTPCaseTransferTests {
  /// jjj and yrd, introduced to each other, each serving its API: jjj with an officer's token,
  /// yrd with an officer's and a supervisor's. The caller stops both.
  struct TwoBureaus {
    let jjj, yrd: NodeProcess
    let base, yrdBase: String
    let officer, yrdOfficer, yrdSupervisor: String

    init(_ label: String) async throws {
      let federation = try TestFederation(label: label, nodes: ["jjj", "yrd"])
      jjj = try await NodeProcess("jjj", federation: federation)
      yrd = try await NodeProcess("yrd", federation: federation)
      try await jjj.introduce(to: yrd)
      officer = try await jjj.token("li.wei", role: "officer")
      yrdOfficer = try await yrd.token("chen.jing", role: "officer")
      yrdSupervisor = try await yrd.token("zhou.min", role: "supervisor")
      base = try await jjj.serveAPI()
      yrdBase = try await yrd.serveAPI()
    }

    func stop() {
      _ = jjj.stop()
      _ = yrd.stop()
    }

    /// A lead recorded on jjj through its API, for everyone.
    func lead() throws -> String {
      try #require(
        try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead).json["id"] as? String)
    }
  }

  @Test(
    "a hand-off offered on jjj is accepted on yrd by a supervisor (an officer is refused), and jjj then shares the case"
  )
  func handOff() async throws {
    let bureaus = try await TwoBureaus("api-handoff")
    defer { bureaus.stop() }
    let (jjj, yrd, base, yrdBase) = (bureaus.jjj, bureaus.yrd, bureaus.base, bureaus.yrdBase)
    let (officer, yrdOfficer, yrdSupervisor) = (bureaus.officer, bureaus.yrdOfficer, bureaus.yrdSupervisor)
    let lead = try bureaus.lead()
    let handOff = base + "/v1/leads/\(lead)/handoff"
    let noLetter = try curl("POST", handOff, token: officer, json: #"{"act": "offer", "to": "yrd"}"#)
    #expect(noLetter.isProblem(400, "api.bad-request") && noLetter.body.contains("letter"), "\(noLetter)")
    let unknownAct = try curl("POST", handOff, token: officer, json: #"{"act": "give-away", "to": "yrd"}"#)
    #expect(unknownAct.status == 400, "\(unknownAct)")
    let offer = #"{"act": "offer", "to": "yrd", "letter": "卖家在浦东经营，移送管辖"}"#
    let offered = try curl(
      "POST", handOff, token: officer, json: offer, headers: ["Idempotency-Key: offer-1"])
    let offeredHandOff = offered.json["handOff"] as? [String: Any]
    #expect(
      offered.status == 200 && offeredHandOff?["state"] as? String == "offered"
        && offeredHandOff?["to"] as? String == "yrd", "\(offered)")
    // A retry of the same offer returns it; it is not offered twice.
    let retried = try curl(
      "POST", handOff, token: officer, json: offer, headers: ["Idempotency-Key: offer-1"])
    #expect(retried.status == 200 && retried.body == offered.body, "\(retried)")
    let listed = try curl("GET", base + "/v1/handoffs", token: officer).jsonArray
    #expect(listed.map { $0["id"] as? String } == [lead], "\(listed)")

    try await jjj.carry(to: yrd)
    let accept = yrdBase + "/v1/leads/\(lead)/handoff"
    #expect(
      try curl("POST", accept, token: yrdOfficer, json: #"{"act": "accept"}"#).isProblem(
        403, "auth.not-permitted"))
    let accepted = try curl("POST", accept, token: yrdSupervisor, json: #"{"act": "accept"}"#)
    #expect(
      accepted.status == 200 && accepted.json["owner"] as? String == "yrd"
        && (accepted.json["handOff"] as? [String: Any])?["state"] as? String == "accepted", "\(accepted)")
    let history = try curl("GET", yrdBase + "/v1/objects/\(lead)/history", token: yrdOfficer).jsonArray
    #expect(history.contains { $0["officer"] as? String == "zhou.min" }, "the signed act names the account")

    // Before the acceptance reaches it, jjj has nothing to share; after, its history goes to yrd.
    let share = base + "/v1/leads/\(lead)/handoff/share"
    #expect(try curl("POST", share, token: officer, json: "{}").isProblem(409, "handoff.nothing-to-share"))
    try await yrd.carry(to: jjj)
    let shared = try curl("POST", share, token: officer, json: "{}")
    #expect(
      shared.status == 200 && shared.json["sharedWith"] as? String == "yrd"
        && (shared.json["historyEntries"] as? Int ?? 0) >= 2, "\(shared)")
    #expect(!jjj.log.contains("internal.unexpected") && !yrd.log.contains("internal.unexpected"))
  }

  @Test("an acceptance that crossed a withdrawal is a conflict, which a party resolves through the API")
  func handOffConflict() async throws {
    let bureaus = try await TwoBureaus("api-handoff-conflict")
    defer { bureaus.stop() }
    let (jjj, yrd, base, yrdBase) = (bureaus.jjj, bureaus.yrd, bureaus.base, bureaus.yrdBase)
    let (officer, yrdSupervisor) = (bureaus.officer, bureaus.yrdSupervisor)
    let lead = try bureaus.lead()
    let offer = #"{"act": "offer", "to": "yrd", "letter": "移送管辖"}"#
    #expect(try curl("POST", base + "/v1/leads/\(lead)/handoff", token: officer, json: offer).status == 200)
    try await jjj.carry(to: yrd)
    // Each acts before hearing of the other's act.
    let withdrawn = try curl(
      "POST", base + "/v1/leads/\(lead)/handoff", token: officer,
      json: #"{"act": "withdraw", "reason": "发错了"}"#)
    #expect(withdrawn.status == 200, "\(withdrawn)")
    let accepted = try curl(
      "POST", yrdBase + "/v1/leads/\(lead)/handoff", token: yrdSupervisor, json: #"{"act": "accept"}"#)
    #expect(accepted.status == 200, "\(accepted)")
    try await jjj.carry(to: yrd)
    try await yrd.carry(to: jjj)

    let conflicts = try curl("GET", base + "/v1/conflicts", token: officer).jsonArray
    let acts = try #require(conflicts.first { $0["kind"] as? String == "hand-off" }?["acts"] as? String)
    let withdrawal = try #require(acts.split(separator: ";").first { $0.contains("withdraw") }, "\(acts)")
    let resolved = try curl(
      "POST", base + "/v1/leads/\(lead)/handoff", token: officer,
      json: #"{"act": "resolve", "keep": "\#(withdrawal.trimmingCharacters(in: .whitespaces))"}"#)
    #expect(
      resolved.status == 200 && resolved.json["owner"] as? String == "jjj"
        && (resolved.json["handOff"] as? [String: Any])?["state"] as? String == "withdrawn", "\(resolved)")
    #expect(try curl("GET", base + "/v1/conflicts", token: officer).jsonArray.isEmpty)
    let malformed = try curl(
      "POST", base + "/v1/leads/\(lead)/handoff", token: officer,
      json: #"{"act": "resolve", "keep": "the first"}"#)
    #expect(malformed.status == 400, "\(malformed)")
  }

  @Test(
    "a transfer to police with its package: a supervisor approves (an officer is refused), a step without its note is refused"
  )
  func policeTransfer() async throws {
    let federation = try TestFederation(label: "api-police", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let officer = try await jjj.token("li.wei", role: "officer")
    let supervisor = try await jjj.token("zhou.min", role: "supervisor")
    let auditor = try await jjj.token("sun.li", role: "auditor")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    let lead = try #require(
      try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead).json["id"] as? String)
    var documents: [String] = []
    for name in ["letter.txt", "report.txt", "items.txt"] {
      let added = try curl(
        "POST", base + "/v1/leads/\(lead)/evidence?category=documentary&fileName=\(name)", token: officer,
        json: "《\(name)》", contentType: "application/octet-stream")
      documents.append(try #require(added.json["id"] as? String, "\(added)"))
    }
    func transfer(letter: String) -> String {
      """
      {"caseID": "\(lead)", "police": "浦东分局", "letter": "\(letter)", "investigationReport": "\(documents[1])",
       "itemsList": "\(documents[2])", "reportedOn": "2026-11-30"}
      """
    }
    let notEvidence = try curl(
      "POST", base + "/v1/police-transfers", token: officer, json: transfer(letter: lead))
    #expect(notEvidence.isProblem(404, "police.no-document"), "\(notEvidence)")
    let created = try curl(
      "POST", base + "/v1/police-transfers", token: officer, json: transfer(letter: documents[0]))
    let id = try #require(created.json["id"] as? String, "\(created)")
    #expect(
      created.status == 201 && created.json["state"] as? String == "reported"
        && created.json["reportedOn"] as? String == "2026-11-30", "\(created)")

    let acts = base + "/v1/police-transfers/\(id)/acts"
    #expect(
      try curl("POST", acts, token: officer, json: #"{"step": "approve"}"#).isProblem(
        403, "auth.not-permitted"))
    #expect(
      try curl("POST", acts, token: auditor, json: #"{"step": "approve"}"#).isProblem(
        403, "auth.not-permitted"))
    let approved = try curl("POST", acts, token: supervisor, json: #"{"step": "approve"}"#)
    #expect(approved.status == 200 && approved.json["state"] as? String == "approved", "\(approved)")
    let bare = try curl("POST", acts, token: officer, json: #"{"step": "transfer"}"#)
    #expect(bare.isProblem(400, "api.bad-request") && bare.body.contains("note"), "\(bare)")
    let early = try curl("POST", acts, token: officer, json: #"{"step": "close"}"#)
    #expect(early.status == 409, "closing before the police decide: \(early)")
    let transferred = try curl(
      "POST", acts, token: officer, json: #"{"step": "transfer", "note": "浦东分局 received it, receipt 118"}"#)
    #expect(
      transferred.status == 200 && transferred.json["state"] as? String == "transferred", "\(transferred)")

    let listed = try curl("GET", base + "/v1/police-transfers", token: auditor).jsonArray
    #expect(listed.count == 1 && listed.first?["id"] as? String == id, "\(listed)")
    let one = try curl("GET", base + "/v1/police-transfers/\(id)", token: auditor)
    #expect(one.json["state"] as? String == "transferred" && one.json["police"] as? String == "浦东分局")
    let cli = try await jjj.cli("police", "list", "--json").stdout
    #expect(
      (try JSONSerialization.jsonObject(with: Data(cli.utf8)) as? NSArray)?.isEqual(
        try JSONSerialization.jsonObject(
          with: Data(try curl("GET", base + "/v1/police-transfers", token: auditor).body.utf8)))
        == true, "the command line's shape")
    #expect(!jjj.log.contains("internal.unexpected"))
  }

  @Test("evidence sealed and shared by signed acts, and a lead's bundle that verifies with openssl alone")
  func evidenceActsAndBundle() async throws {
    let federation = try TestFederation(label: "api-evidence-acts", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let officer = try await jjj.token("li.wei", role: "officer")
    let operatorToken = try await jjj.token("wang.ops", role: "operator")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    var lead = HTTPAPITests.lead
    lead = lead.replacingOccurrences(of: #""to": "all""#, with: #""to": "jjj""#)
    let leadID = try #require(
      try curl("POST", base + "/v1/leads", token: officer, json: lead).json["id"] as? String)
    let added = try curl(
      "POST", base + "/v1/leads/\(leadID)/evidence?category=documentary&fileName=screenshot.png",
      token: officer, json: "a screenshot's bytes", contentType: "application/octet-stream")
    let evidence = try #require(added.json["id"] as? String, "\(added)")

    let custody = base + "/v1/evidence/\(evidence)/custody"
    let noHolder = try curl("POST", custody, token: officer, json: #"{"event": "handed-over"}"#)
    #expect(noHolder.isProblem(400, "usage.holder"), "\(noHolder)")
    let sealed = try curl(
      "POST", custody, token: officer, json: #"{"event": "sealed", "note": "封存于证物室 3 号柜"}"#)
    let chain = sealed.json["custody"] as? [[String: Any]] ?? []
    #expect(
      sealed.status == 200 && chain.last?["event"] as? String == "sealed"
        && chain.last?["officer"] as? String == "li.wei", "\(sealed)")

    let share = base + "/v1/evidence/\(evidence)/share"
    #expect(try curl("POST", share, token: officer, json: #"{"to": "all"}"#).isProblem(400, "usage.share-to"))
    let shared = try curl("POST", share, token: officer, json: #"{"to": "yrd", "note": "协查所需"}"#)
    #expect(
      shared.status == 200 && (shared.json["sharedWith"] as? [String])?.contains("yrd") == true, "\(shared)")

    // The bundle, as a case system downloads it: unpacked and checked with the shipped script.
    #expect(
      try curl("GET", base + "/v1/objects/\(leadID)/bundle", token: operatorToken).isProblem(
        403, "auth.not-permitted"))
    let folder = temporaryDirectory("api-bundle")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tar = folder.appendingPathComponent("bundle.tar")
    let download = try await run(
      "/usr/bin/curl",
      [
        "-s", "-S", "-f", "-D", "-", "-H", "Authorization: Bearer \(officer)", "-o", tar.path,
        base + "/v1/objects/\(leadID)/bundle",
      ])
    #expect(
      download.status == 0 && download.stdout.lowercased().contains("content-type: application/x-tar"),
      "\(download)")
    let verified = try verifyDownloadedBundle(tar, of: leadID)
    #expect(verified.status == 0, "\(verified)")
    #expect(jjj.exportsLeft.isEmpty, "left in the node's exports folder: \(jjj.exportsLeft)")
    #expect(
      try curl("GET", base + "/v1/objects/0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11/bundle", token: officer).status
        == 404)
    #expect(!jjj.log.contains("internal.unexpected"))
  }
}
