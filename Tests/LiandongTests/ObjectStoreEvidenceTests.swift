import Foundation
import LiandongCrypto
import LiandongTesting
import Testing

@testable import LiandongStore

/// A hub keeps its evidence files in an S3 object store (a real SeaweedFS): added, received by
/// sync, served to peers, downloaded, exported and checked there, with nothing of them left on
/// its disk; damage inside the bucket is found and repaired from a peer; an object store that is
/// down, refuses or is misconfigured is said so, and never mistaken for damage.
@Suite("Evidence in an object store (SeaweedFS)", .serialized)
struct ObjectStoreEvidenceTests {
  static func key(_ content: Data, prefix: String = "hub") -> String {
    let hex = SHA256.hash(content).hex
    return "\(prefix)/\(hex.prefix(2))/\(hex)"
  }

  /// Files of the data folder that are not folders, under `blobs/`.
  static func localBlobFiles(_ node: NodeProcess) -> [String] {
    let blobs = node.data.appendingPathComponent("blobs")
    let walker = FileManager.default.enumerator(at: blobs, includingPropertiesForKeys: [.isRegularFileKey])
    return (walker?.allObjects as? [URL] ?? []).filter {
      (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
    }.map(\.lastPathComponent)
  }

  @Test func aHubKeepsItsFilesInTheBucket() async throws {
    let seaweed = try await SeaweedFS()
    defer { seaweed.stop() }
    let federation = try TestFederation(label: "s3", nodes: ["hub", "yrd"])
    let hub = try await NodeProcess("hub", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    defer {
      _ = hub.stop()
      _ = yrd.stop()
    }
    try seaweed.configure(hub.data, prefix: "hub")
    try await hub.introduce(to: yrd)
    let lead = try await hub.addLead(to: "yrd")
    let folder = temporaryDirectory("s3-evidence")
    let ours = randomBytes(1_500_000, seed: 41)
    try ours.write(to: folder.appendingPathComponent("listing.png"))
    let added = try await hub.cli(
      "evidence", "add", lead, folder.appendingPathComponent("listing.png").path, "--category",
      "electronic-data",
      "--how-fixed", "screenshot", "--to", "yrd")
    #expect(added.status == 0, "\(added)")
    // In the bucket under the hub's prefix and the file's hash, read back by another client;
    // nothing of it stays on the hub's disk.
    #expect(try seaweed.object(Self.key(ours)) == ours)
    #expect(Self.localBlobFiles(hub).isEmpty, "\(Self.localBlobFiles(hub))")
    let evidenceID = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      try await hub.cli("evidence", "show", evidenceID).stdout.contains(
        "\(seaweed.endpoint)/evidence/\(Self.key(ours))"))

    // yrd fetches the file from the hub, which reads it from the bucket; then yrd adds one of
    // its own, which the hub receives into the bucket.
    try await yrd.serve()
    try await hub.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let first = try await hub.cli("sync", "yrd")
    #expect(first.status == 0, "\(first)")
    let yrdCopy = yrd.data.appendingPathComponent(
      "blobs/\(SHA256.hash(ours).hex.prefix(2))/\(SHA256.hash(ours).hex)")
    #expect(
      await eventually { (try? Data(contentsOf: yrdCopy)) == ours },
      "yrd never received the file: \(yrd.log.suffix(800))")
    let theirs = randomBytes(700_000, seed: 42)
    try theirs.write(to: folder.appendingPathComponent("reply.pdf"))
    let reply = try await yrd.cli(
      "evidence", "add", lead, folder.appendingPathComponent("reply.pdf").path, "--category", "documentary",
      "--how-fixed", "copy")
    #expect(reply.status == 0, "\(reply)")
    #expect(
      try await eventually {
        _ = try await hub.cli("sync", "yrd")
        return try seaweed.object(Self.key(theirs)) == theirs
      }, "the hub never stored yrd's file in the bucket")
    #expect(Self.localBlobFiles(hub).isEmpty, "\(Self.localBlobFiles(hub))")

    // The bundle holds both files, checked on the way out of the bucket.
    let bundle = temporaryDirectory("s3-bundle")
    let exported = try await hub.cli("evidence", "export", lead, "--out", bundle.path)
    #expect(exported.status == 0, "\(exported)")
    let bundled = try FileManager.default.contentsOfDirectory(
      atPath: bundle.appendingPathComponent("files").path)
    #expect(
      Set(try bundled.map { try Data(contentsOf: bundle.appendingPathComponent("files/\($0)")) }) == [
        ours, theirs,
      ])

    // A backup holds the files, copied down from the bucket and checked: restored without the
    // object store, the node has them on its own disk.
    let archive = temporaryDirectory("s3-backup").appendingPathComponent("hub.tar")
    let backup = try await hub.cli("backup", "--out", archive.path)
    #expect(backup.status == 0, "\(backup)")
    let restoredData = temporaryDirectory("s3-restored").appendingPathComponent("hub")
    let restore = try await run(liandongBinary.path, ["restore", archive.path, "--data", restoredData.path])
    #expect(restore.status == 0, "\(restore)")
    try setEvidenceStore(in: restoredData, nil)
    let restoredCheck = try await NodeProcess(existing: "hub", data: restoredData).cli("verify")
    #expect(
      restoredCheck.stdout.contains("checked 2 evidence file(s)")
        && !restoredCheck.stdout.contains("DAMAGED"),
      "\(restoredCheck)")
    #expect(
      Set(Self.localBlobFiles(NodeProcess(existing: "hub", data: restoredData)))
        == [SHA256.hash(ours).hex, SHA256.hash(theirs).hex])

    // The API streams the file out of the bucket.
    let api = try await hub.serveAPI()
    let token = try await hub.token("s3.reader", role: "supervisor")
    let download = folder.appendingPathComponent("download")
    let fetched = try await run(
      "/usr/bin/curl",
      [
        "-s", "-f", "-H", "Authorization: Bearer \(token)", "-o", download.path,
        "\(api)/v1/evidence/\(evidenceID)/file",
      ])
    #expect(fetched.status == 0, "\(fetched)")
    #expect(try Data(contentsOf: download) == ours)

    // Damage inside the bucket: a download that reads it breaks off rather than hand over other
    // bytes as the evidence; the reader says why.
    var damaged = ours
    damaged[1000] ^= 0xFF
    try seaweed.overwrite(Self.key(ours), with: damaged)
    let broken = try await run(
      "/usr/bin/curl",
      [
        "-s", "-f", "-H", "Authorization: Bearer \(token)", "-o", download.path,
        "\(api)/v1/evidence/\(evidenceID)/file",
      ])
    #expect(broken.status != 0, "a damaged file was downloaded whole: \(broken)")
    _ = hub.stop()
    let home = try NodeHome.open(hub.data)
    let reader = try #require(try home.blobs.reader(SHA256.hash(ours)))
    #expect(throws: BlobError.self) { while try reader.nextChecked() != nil {} }
    #expect(reader.finding == .contentChanged(actualSHA256: SHA256.hash(damaged).hex))
    do {
      let again = try #require(try home.blobs.reader(SHA256.hash(ours)))
      while try again.nextChecked() != nil {}
      Issue.record("the damaged file read as whole")
    } catch let error as BlobError { #expect(error.code == "blob.damaged") }

    // verify finds it, sets the object aside in the bucket, and the next sync brings it back.
    let verified = try await hub.cli("verify")
    #expect(verified.stdout.contains("DAMAGED file \(SHA256.hash(ours).hex.prefix(16))"), "\(verified)")
    #expect(
      try seaweed.keys(prefix: "hub/damaged/").contains {
        $0.hasPrefix("hub/damaged/\(SHA256.hash(ours).hex)-")
      })
    #expect(try seaweed.object(Self.key(ours)) == nil)
    #expect(
      try await eventually {
        _ = try await hub.cli("sync", "yrd")
        return try seaweed.object(Self.key(ours)) == ours
      }, "the damaged file was never fetched again into the bucket")
  }

  /// Over TLS (the system OpenSSL), the object store's certificate checked against the CA file
  /// the settings name: a store whose certificate another CA signed is refused, and said so.
  @Test func overTLS() async throws {
    let federation = try TestFederation(label: "s3-tls", nodes: ["hub"])
    let certificate = try federation.issue("objects", hosts: ["127.0.0.1"])
    let seaweed = try await SeaweedFS(certificate: (certificate.certificate, certificate.key))
    defer { seaweed.stop() }
    let https = try #require(seaweed.httpsEndpoint)
    let hub = try await NodeProcess("hub", federation: federation)
    try seaweed.configure(hub.data, prefix: "hub")
    let settings: [String: Any] = [
      "endpoint": https, "bucket": "evidence", "prefix": "hub", "credentials": "s3-credentials.json",
      "caFile": federation.caURL.path,
    ]
    try setEvidenceStore(in: hub.data, settings)
    let lead = try await hub.addLead()
    let file = temporaryDirectory("s3-tls").appendingPathComponent("shop.png")
    let content = randomBytes(400_000, seed: 62)
    try content.write(to: file)
    func add() async throws -> ProcessResult {
      try await hub.cli(
        "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    }
    let added = try await add()
    #expect(added.status == 0, "\(added)")
    #expect(try seaweed.object(Self.key(content)) == content)
    #expect(try await hub.cli("verify").stdout.contains("checked 1 evidence file(s)"))

    let stranger = try TestFederation(label: "s3-tls-other")
    try setEvidenceStore(in: hub.data, settings.merging(["caFile": stranger.caURL.path]) { $1 })
    let refused = try await add()
    #expect(refused.failed(with: "evidence.store-tls"), "\(refused)")
    #expect(refused.stderr.contains("certificate"), "\(refused)")
    try setEvidenceStore(in: hub.data, settings.merging(["endpoint": seaweed.endpoint]) { $1 })
    let plain = try await add()
    #expect(plain.failed(with: "config.evidence-store") && plain.stderr.contains("caFile"), "\(plain)")
  }

  /// In a federation on the national algorithms a file's key is its SM3; the upload is still
  /// signed and checksummed with its SHA-256, which S3 knows.
  @Test func anSMFederationKeysFilesBySM3() async throws {
    let seaweed = try await SeaweedFS()
    defer { seaweed.stop() }
    let federation = try TestFederation(label: "s3-sm", key: "sm2")
    _ = try federation.issue("hub")
    let hub = try await NodeProcess("hub", federation: federation)
    try seaweed.configure(hub.data, prefix: "hub")
    let lead = try await hub.addLead()
    let file = temporaryDirectory("s3-sm").appendingPathComponent("shop.png")
    let content = randomBytes(300_000, seed: 61)
    try content.write(to: file)
    let added = try await hub.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    #expect(added.status == 0, "\(added)")
    let sm3 = DigestAlgorithm.sm3.hash(content).hex
    #expect(try seaweed.object("hub/\(sm3.prefix(2))/\(sm3)") == content)
    let verified = try await hub.cli("verify")
    #expect(verified.stdout.contains("checked 1 evidence file(s) against their SM3"), "\(verified)")
  }

  /// The object store keeps every file on two volume servers; one of them loses power. Every
  /// file is still read whole with its hash: `verify` finds nothing damaged, and another client
  /// reads the same bytes.
  @Test func aVolumeServerLost() async throws {
    let seaweed = try await SeaweedFS(volumeServers: 2)
    defer { seaweed.stop() }
    let federation = try TestFederation(label: "s3-volume", nodes: ["hub"])
    let hub = try await NodeProcess("hub", federation: federation)
    try seaweed.configure(hub.data, prefix: "hub")
    let lead = try await hub.addLead()
    let folder = temporaryDirectory("s3-volume")
    var files: [Data] = []
    for index in 0..<6 {
      let content = randomBytes(50_000 + index * 700_000, seed: 50 + UInt64(index))
      let file = folder.appendingPathComponent("file-\(index).bin")
      try content.write(to: file)
      let added = try await hub.cli(
        "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
      #expect(added.status == 0, "\(added)")
      files.append(content)
    }
    seaweed.killVolumeServer(1)
    let verified = try await hub.cli("verify")
    #expect(verified.status == 0, "\(verified)")
    #expect(verified.stdout.contains("checked 6 evidence file(s)") && !verified.stdout.contains("DAMAGED"))
    for content in files { #expect(try seaweed.object(Self.key(content)) == content) }
    // A new file cannot be kept twice now: the store fails the upload itself, which is said so
    // (not taken for the node's credentials), and nothing is recorded.
    let late = folder.appendingPathComponent("late.bin")
    try randomBytes(10_000, seed: 60).write(to: late)
    let refused = try await hub.cli(
      "evidence", "add", lead, late.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    #expect(refused.failed(with: "evidence.store-failed"), "\(refused)")
    #expect(try await hub.cli("evidence", "list").stdout.split(separator: "\n").count == 7)
  }

  /// Each way an object store can fail an `evidence add`: the act is refused with its own code
  /// and remedy, nothing is recorded, and nothing is left staged on the disk. A store that is
  /// down is not damage: `verify` says it cannot check, and the file stays held.
  @Test func aStoreThatFailsIsSaidSo() async throws {
    let seaweed = try await SeaweedFS()
    defer { seaweed.stop() }
    let federation = try TestFederation(label: "s3-fail", nodes: ["hub"])
    let hub = try await NodeProcess("hub", federation: federation)
    let lead = try await hub.addLead()
    let file = temporaryDirectory("s3-fail").appendingPathComponent("shop.png")
    try randomBytes(200_000, seed: 43).write(to: file)
    func add() async throws -> ProcessResult {
      try await hub.cli(
        "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screenshot")
    }
    let settings: [String: Any] = [
      "endpoint": seaweed.endpoint, "bucket": "evidence", "credentials": "s3-credentials.json",
    ]
    func with(_ changes: [String: Any]) throws {
      try setEvidenceStore(in: hub.data, settings.merging(changes) { $1 })
    }
    let notHTTP = try NotHTTPServer()
    defer { notHTTP.stop() }
    try seaweed.configure(hub.data, prefix: "")
    let cases: [(String, () throws -> Void)] = [
      (
        "evidence.store-refused", { try seaweed.configure(hub.data, prefix: "", secretKey: "not-the-secret") }
      ),
      ("evidence.store-no-bucket", { try with(["bucket": "no-such-bucket"]) }),
      ("evidence.store-unreachable", { try with(["endpoint": "http://127.0.0.1:\(try freePort())"]) }),
      ("evidence.store-bad-answer", { try with(["endpoint": "http://127.0.0.1:\(notHTTP.port)"]) }),
      ("evidence.store-tls", { try with(["endpoint": "https://127.0.0.1:\(seaweed.s3Port)"]) }),
      ("config.evidence-store", { try with(["endpoint": "ftp://127.0.0.1:\(seaweed.s3Port)"]) }),
      ("config.evidence-store", { try with(["credentials": "missing.json"]) }),
      ("config.evidence-store", { try with(["bucket": "Evidence_Files"]) }),
    ]
    for (code, breakIt) in cases {
      try seaweed.configure(hub.data, prefix: "")
      try breakIt()
      let refused = try await add()
      #expect(refused.failed(with: code), "\(code): \(refused)")
      #expect(Self.localBlobFiles(hub).isEmpty, "\(code) left \(Self.localBlobFiles(hub))")
    }
    try seaweed.configure(hub.data, prefix: "")
    #expect(
      try await hub.cli("evidence", "list").stdout.split(separator: "\n").count == 1,
      "an evidence row was recorded"
    )
    #expect(try await add().status == 0)
    let (_, answering) = try await DoctorTests.doctor(hub)
    #expect(answering.finding("evidence-store")?.severity == "ok", "\(answering.findings)")
    #expect(answering.finding("evidence-store")?.message.contains("\(seaweed.endpoint)/evidence") == true)

    // The store goes away: verify cannot check the file and says so; it is still held after;
    // doctor names the store and what to do.
    seaweed.stop()
    let verify = try await hub.cli("verify")
    #expect(verify.failed(with: "evidence.store-unreachable"), "\(verify)")
    #expect(!verify.stdout.contains("DAMAGED"))
    #expect(try await hub.cli("evidence", "list").stdout.contains("held"))
    let (down, report) = try await DoctorTests.doctor(hub, "--sample", "0")
    let finding = try #require(report.finding("evidence-store"))
    #expect(down.status == 2 && finding.severity == "error", "\(report.findings)")
    #expect(
      finding.message.contains("cannot be reached") && finding.remedy?.contains("evidenceStore") == true)
  }
}

/// A loopback listener that answers every connection with a line that is not HTTP and closes it,
/// as an SSH server or another service at a mistyped port would.
final class NotHTTPServer: @unchecked Sendable {
  let port: Int
  private let descriptor: Int32

  init() throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(listener, pointer, length) == 0 && getsockname(listener, pointer, &length) == 0
          && listen(listener, 8) == 0
      }
    }
    guard listening else {
      close(listener)
      throw TestFailure("cannot listen on loopback")
    }
    descriptor = listener
    port = Int(UInt16(bigEndian: address.sin_port))
    Thread.detachNewThread {
      while true {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        _ = "SSH-2.0-NotAnObjectStore\r\n".withCString {
          send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL))
        }
        close(connection)
      }
    }
  }

  /// Closing the listener ends the accepting thread.
  func stop() {
    shutdown(descriptor, Int32(SHUT_RDWR))
    close(descriptor)
  }
}

/// The client against the real server, below the node: what the server itself checks.
@Suite("The S3 client against SeaweedFS")
struct ObjectStoreClientTests {
  @Test func aBodyThatIsNotItsHashIsRefused() async throws {
    let seaweed = try await SeaweedFS()
    defer { seaweed.stop() }
    let client = ObjectStoreClient(
      ObjectStoreAccess(
        endpoint: try ObjectStoreEndpoint(seaweed.endpoint), bucket: "evidence", prefix: "t",
        signer: SigV4(accessKey: SeaweedFS.accessKey, secretKey: SeaweedFS.secretKey, region: "us-east-1")))
    let file = temporaryDirectory("s3-client").appendingPathComponent("body")
    let body = randomBytes(100_000, seed: 44)
    try body.write(to: file)
    let descriptor = open(file.path, O_RDONLY)
    defer { close(descriptor) }
    try client.put(key: "good", file: descriptor, size: 100_000, payloadSHA256: SHA256.hash(body).hex)
    #expect(try seaweed.object("t/good") == body)
    #expect(try client.size(of: "good") == 100_000)
    #expect(try client.read(key: "good", offset: 99_990, count: 100) == body.suffix(10))
    #expect(try client.read(key: "missing", offset: 0, count: 10) == nil)
    var changed = body
    changed[5] ^= 1
    // The server checks the body against the hash the request carries (x-amz-checksum-sha256).
    do {
      try client.put(key: "bad", file: descriptor, size: 100_000, payloadSHA256: SHA256.hash(changed).hex)
      Issue.record("a body that is not its hash was stored")
    } catch let ObjectStoreError.refused(_, status, s3Code, _) {
      #expect(status == 400 && s3Code == "BadDigest")
    }
    #expect(try seaweed.object("t/bad") == nil)
  }
}
