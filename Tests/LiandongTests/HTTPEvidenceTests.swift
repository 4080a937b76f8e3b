import Foundation
import LiandongCrypto
import Testing

/// Evidence files through the API with `curl`: streamed in and out, never whole in memory.
@Suite("The HTTP API's evidence files, through curl", .serialized)
struct HTTPEvidenceTests {
  /// The serving process's peak resident memory so far (VmHWM), in KiB.
  func peakKiB(_ pid: pid_t) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }

  /// Bytes the process has written through write(2) and its kin so far (`wchar` of /proc/PID/io).
  func writtenBytes(_ pid: pid_t) throws -> Int {
    let io = try String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)
    let line = io.split(separator: "\n").first { $0.hasPrefix("wchar:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }

  @Test(
    "a 50 MB file is uploaded and downloaded streamed: the hash matches, the node's memory stays flat, and the lead is read on another node after sync"
  )
  func fiftyMegabytes() async throws {
    let federation = try TestFederation(label: "api-evidence", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let officer = try await jjj.token("li.wei", role: "officer")
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let pid = try #require(jjj.servingPID)

    let folder = temporaryDirectory("evidence-upload")
    let file = folder.appendingPathComponent("录屏.mp4")
    var bytes = Data(count: 50 * 1024 * 1024)
    bytes.withUnsafeMutableBytes { raw in
      for index in stride(from: 0, to: raw.count, by: 4096) {
        raw[index] = UInt8(truncatingIfNeeded: index >> 12)
      }
    }
    try bytes.write(to: file)
    let expected = SHA256.hash(bytes).hex
    bytes = Data()

    let lead = try curl("POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead)
    let leadID = try #require(lead.json["id"] as? String, "\(lead)")
    // Warm up: the first requests load code and caches that are not the file's doing.
    _ = try curl("GET", base + "/v1/leads/\(leadID)", token: officer)
    let before = try peakKiB(pid)
    let writtenBefore = try writtenBytes(pid)
    let uploaded = try await run(
      "/usr/bin/curl",
      [
        "-s", "-S", "-X", "POST", "-H", "Authorization: Bearer \(officer)",
        "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file.path)",
        base + "/v1/leads/\(leadID)/evidence?category=electronic-data&fileName=%E5%BD%95%E5%B1%8F.mp4"
          + "&howFixed=screen-recording&mediaType=video/mp4",
      ], timeout: 300)
    let evidence = try #require(
      (try? JSONSerialization.jsonObject(with: Data(uploaded.stdout.utf8))) as? [String: Any], "\(uploaded)")
    #expect(
      evidence["sha256"] as? String == expected && evidence["size"] as? Int == 50 * 1024 * 1024,
      "\(uploaded.stdout.prefix(800))")
    #expect(evidence["fileName"] as? String == "录屏.mp4" && evidence["addedBy"] as? String == "li.wei")
    let evidenceID = try #require(evidence["id"] as? String)
    // Written once, as it arrived, then moved into the store under its hash: not copied again.
    let written = try writtenBytes(pid) - writtenBefore
    print("evidence over the API: the node wrote \(written >> 20) MiB for a 50 MiB upload")
    #expect(written < 75 * 1024 * 1024, "the upload was written \(written) bytes: more than once")

    let downloaded = folder.appendingPathComponent("back.mp4")
    let fetched = try await run(
      "/usr/bin/curl",
      [
        "-s", "-S", "-f", "-H", "Authorization: Bearer \(officer)", "-o", downloaded.path,
        base + "/v1/evidence/\(evidenceID)/file",
      ], timeout: 300)
    #expect(fetched.status == 0, "\(fetched)")
    #expect(SHA256.hash(try Data(contentsOf: downloaded)).hex == expected)
    let after = try peakKiB(pid)
    print(
      "evidence over the API: peak RSS \(before / 1024) MiB before, \(after / 1024) MiB after 50 MiB in and out"
    )
    #expect(after - before < 25 * 1024, "the node held the file in memory: \(before) KiB -> \(after) KiB")

    let record = try curl("GET", base + "/v1/evidence/\(evidenceID)", token: officer)
    #expect(record.json["file"] as? String == "held", "\(record)")
    #expect(
      try curl(
        "GET", base + "/v1/evidence/\(evidenceID)/file",
        token: try await jjj.token("wang.ops", role: "operator")
      )
      .isProblem(403, "auth.not-permitted"))
    // A retried upload with its Idempotency-Key adds nothing; the key with other bytes is refused.
    let small = "/v1/leads/\(leadID)/evidence?category=documentary&fileName=letter.txt"
    func upload(_ text: String, key: String) throws -> HTTPReply {
      try curl(
        "POST", base + small, token: officer, json: text, headers: ["Idempotency-Key: \(key)"],
        contentType: "application/octet-stream")
    }
    let once = try upload("协查函", key: "letter-1")
    let again = try upload("协查函", key: "letter-1")
    #expect(
      once.status == 201 && once.json["id"] as? String == again.json["id"] as? String, "\(once) \(again)")
    #expect(try upload("另一封", key: "letter-1").isProblem(409, "api.idempotency-key-reused"))
    let listed = try await jjj.cli("evidence", "list", "--item", leadID, "--json").stdout
    #expect(
      (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [Any])?.count == 2,
      "the video and one letter: \(listed.prefix(300))")

    // A body sent as JSON to the upload route is held in memory to be checked: it keeps JSON's small limit.
    let disguised = try curl(
      "POST", base + small, token: officer, json: String(repeating: "x", count: 300_000))
    #expect(disguised.isProblem(413, "api.too-large"), "\(disguised)")

    let noItem = try curl(
      "POST",
      base + "/v1/leads/0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11/evidence?category=documentary&fileName=a.txt",
      token: officer, json: "bytes", contentType: "application/octet-stream")
    #expect(noItem.isProblem(400, "usage.no-audience"), "\(noItem)")

    // The lead and its evidence reach yrd by sync, where yrd's own API reads them.
    #expect(try await jjj.cli("peer", "add", "yrd", "127.0.0.1:1").status == 0)
    try await jjj.carry(to: yrd)
    let yrdOfficer = try await yrd.token("chen.jing", role: "officer")
    let yrdBase = try await yrd.serveAPI()
    defer { _ = yrd.stop() }
    let seen = try curl("GET", yrdBase + "/v1/leads/\(leadID)", token: yrdOfficer)
    #expect(seen.status == 200 && seen.json["createdBy"] as? String == "li.wei", "\(seen)")
    let yrdEvidence = try curl("GET", yrdBase + "/v1/evidence/\(evidenceID)", token: yrdOfficer)
    #expect(
      yrdEvidence.json["file"] as? String == "missing", "the file itself comes with a sync: \(yrdEvidence)")
    let notHeld = try curl("GET", yrdBase + "/v1/evidence/\(evidenceID)/file", token: yrdOfficer)
    #expect(notHeld.isProblem(404, "evidence.file-not-held"), "\(notHeld)")
  }
}
