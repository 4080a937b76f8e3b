import Foundation
import LiandongCore
import LiandongCrypto
import LiandongProtocol
import LiandongTLS
import LiandongTesting
import NIOCore
import Testing

/// A node in its own data folder, driven through the `liandong` binary, optionally serving.
final class NodeProcess: @unchecked Sendable {
  let name: String
  let data: URL
  private(set) var server: ChildProcess? = nil
  private(set) var port = 0
  /// When set, `cli` and `serve` run under `faketime` with the wall clock this far off (an
  /// offset such as "+90s"); monotonic time is left alone.
  var clockOffset: String? = nil

  /// A new node; its data folder is `data` if given (a small disk, say), else a fresh temporary
  /// one; with `clockOffset`, made (and later run) under `faketime` with that offset; `initOptions`
  /// go to `init` (`--store` for a hub).
  init(
    _ name: String, federation: TestFederation, data: URL? = nil, clockOffset: String? = nil,
    initOptions: [String] = []
  ) async throws {
    self.name = name
    self.data = data ?? temporaryDirectory("node-\(name)")
    self.clockOffset = clockOffset
    let files = federation.files(name)
    // An SM2 federation's node has a TLS certificate of its own (liandong-pki issues NAME.tls.*).
    let tls = federation.directory.appendingPathComponent("nodes/\(name).tls")
    let transport =
      FileManager.default.fileExists(atPath: tls.path + ".pem")
      ? ["--tls-cert", tls.path + ".pem", "--tls-key", tls.path + ".key"] : []
    let (executable, prefix, environment) = launcher
    let result = try await run(
      executable,
      prefix + [
        "init", "--data", self.data.path, "--node", name, "--ca", federation.caURL.path, "--crl",
        federation.crlURL.path,
        "--cert", files.certificate.path, "--key", files.key.path,
      ] + transport + initOptions, environment: environment)
    guard result.status == 0 else { throw TestFailure("init \(name): \(result)") }
  }

  /// A node already in `data` (restored from a backup, say).
  init(existing name: String, data: URL) {
    self.name = name
    self.data = data
  }

  /// Runs the `liandong` binary on this node. Asynchronous, like every wait for a child in the
  /// tests: see `ChildProcess.wait(timeout:) async`.
  @discardableResult
  func cli(_ arguments: String...) async throws -> ProcessResult { try await cli(arguments) }

  @discardableResult
  func cli(_ arguments: [String]) async throws -> ProcessResult {
    let (executable, prefix, environment) = launcher
    return try await run(
      executable, prefix + arguments + ["--data", data.path],
      environment: environment.merging(["LIANDONG_OFFICER": "\(name)-officer"]) { $1 })
  }

  /// How to start the binary: under `faketime` when the node's clock is off. (Preloading
  /// libfaketime directly garbles a Swift program's arguments; the `faketime` command does not.)
  private var launcher: (executable: String, prefix: [String], environment: [String: String]) {
    guard let clockOffset else { return (liandongBinary.path, [], [:]) }
    return (
      "/usr/bin/faketime", ["-f", clockOffset, liandongBinary.path], ["FAKETIME_DONT_FAKE_MONOTONIC": "1"]
    )
  }

  /// The `liandong serve` process itself: under `faketime` it is the child of the `faketime`
  /// command, which does not pass signals on.
  var servingPID: pid_t? {
    guard let server else { return nil }
    guard clockOffset != nil else { return server.pid }
    let children = try? String(
      contentsOfFile: "/proc/\(server.pid)/task/\(server.pid)/children", encoding: .utf8)
    return children?.split(separator: " ").first.flatMap { pid_t($0) }
  }

  /// Starts `liandong serve` on `port` (0: a free one) and waits until it listens.
  func serve(interval: Double = 0.3, extra: [String] = [], port: Int = 0) async throws {
    let (executable, prefix, environment) = launcher
    let child = try ChildProcess(
      executable,
      prefix + [
        "serve", "--data", data.path, "--listen", "127.0.0.1:\(port)", "--interval", "\(interval)",
        "--log-level",
        "debug",
      ] + extra, environment: environment)
    server = child
    guard await child.waitForOutput("serving node \(name) on 127.0.0.1:", timeout: 60),
      let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("serving node") }),
      let port = Int(line.split(separator: ":").last ?? "")
    else { throw TestFailure("\(name) did not start serving: \(child.stderr)") }
    self.port = port
  }

  /// SIGTERM, and the exit status.
  func stop() -> Int32? {
    guard let server, let pid = servingPID else { return nil }
    kill(pid, SIGTERM)
    return server.wait(timeout: 20)
  }

  var log: String { server?.stderr ?? "" }

  func status() async throws -> [String: Any] {
    let result = try await cli("status", "--json")
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
  }
}

extension NodeProcess {
  /// Moves everything this node holds to `other` through a change file (stubs outside the
  /// audience), as an air-gapped bureau would.
  /// Records a forged-report lead about `subject` on this node alone, and returns its ID.
  func addLead(subject: String = "店", summary: String = "s", to recipients: String? = nil) async throws
    -> String
  {
    let added = try await cli(
      ["lead", "add", "--subject-name", subject, "--violation", "forged-report", "--summary", summary]
        + (recipients.map { ["--to", $0] } ?? []))
    guard added.status == 0 else { throw TestFailure("lead add on \(name): \(added)") }
    return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Exchanges announcements by change files both ways, as two bureaus do before they share
  /// anything: acts may name only nodes a node has heard from or has as a peer.
  func introduce(to others: NodeProcess...) async throws {
    for other in others {
      try await carry(to: other)
      try await other.carry(to: self)
    }
  }

  func carry(to other: NodeProcess) async throws {
    let file = temporaryDirectory("carry").appendingPathComponent("changes.bin")
    let exported = try await cli("changes", "export", "--for", other.name, "--out", file.path)
    guard exported.status == 0 else { throw TestFailure("export \(name) for \(other.name): \(exported)") }
    let imported = try await other.cli("changes", "import", file.path)
    guard imported.status == 0 else { throw TestFailure("import into \(other.name): \(imported)") }
  }
}

/// Polls `condition` every 100 ms for up to `seconds`.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if try await condition() { return true }
    try? await Task.sleep(for: .milliseconds(100))
  }
  return try await condition()
}

@Suite("Sync between real liandong serve processes", .serialized)
struct SyncProcessTests {
  @Test(
    "jjj - yrd - prd in a line: public leads and files reach prd through yrd; private ones reach prd as stubs, and yrd serves its file to jjj alone"
  )
  func threeRegionsInALine() async throws {
    let federation = try TestFederation(label: "line", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    for node in [jjj, yrd, prd] { try await node.serve() }
    defer { for node in [jjj, yrd, prd] { _ = node.stop() } }
    // Only neighbours know each other.
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    try await yrd.cli("peer", "add", "prd", "127.0.0.1:\(prd.port)")
    try await prd.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")

    let publicLead = try await jjj.cli(
      "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary",
      "warning for all",
      "--to", "all"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let privateLead = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", "for yrd only", "--to",
      "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

    #expect(
      try await eventually { try await prd.cli("lead", "show", publicLead).status == 0 },
      "prd never saw the public lead: \(prd.log)")
    #expect(
      try await eventually { try await yrd.cli("lead", "show", privateLead).status == 0 },
      "yrd never saw its lead")

    // Evidence: yrd answers the private lead with a screenshot (shared with jjj only, the lead's
    // other party); jjj adds one to the public lead, which reaches prd through yrd.
    let folder = temporaryDirectory("line-evidence")
    let privateFile = randomBytes(300_000, seed: 11)
    let publicFile = randomBytes(1_200_000, seed: 12)
    try privateFile.write(to: folder.appendingPathComponent("reply.png"))
    try publicFile.write(to: folder.appendingPathComponent("listing.png"))
    let privateEvidence = try await yrd.cli(
      "evidence", "add", privateLead, folder.appendingPathComponent("reply.png").path, "--category",
      "electronic-data", "--how-fixed", "screenshot")
    #expect(privateEvidence.status == 0, "\(privateEvidence)")
    let publicEvidence = try await jjj.cli(
      "evidence", "add", publicLead, folder.appendingPathComponent("listing.png").path, "--category",
      "electronic-data", "--how-fixed", "screen-recording")
    #expect(publicEvidence.status == 0, "\(publicEvidence)")
    func blob(_ node: NodeProcess, _ content: Data) -> Data? {
      let hex = SHA256.hash(content).hex
      return try? Data(
        contentsOf: node.data.appendingPathComponent("blobs/\(hex.prefix(2))/\(hex)"))
    }
    #expect(
      await eventually { blob(jjj, privateFile) == privateFile },
      "jjj never received yrd's file: \(jjj.log.suffix(800))")
    #expect(
      await eventually { blob(prd, publicFile) == publicFile },
      "prd never received the public file: \(prd.log.suffix(800))")
    #expect(blob(prd, privateFile) == nil)
    #expect(try await !prd.cli("evidence", "list").stdout.contains("reply.png"))
    // prd asks yrd for the private file anyway: refused, and logged.
    let privateSHA = SHA256.hash(privateFile)
    let answer = try await withRawSession(federation, port: yrd.port, as: "prd") { outbound, frames in
      try await outbound.write(
        ByteBuffer(bytes: FrameCoding.encode(.blobRequest(sha256: privateSHA, offset: 0))))
      return try await frames.next {
        switch $0 {
        case .blobChunk, .blobRefused, .failure: true
        default: false
        }
      }
    }
    guard case .blobRefused(_, let code, _) = answer else {
      Issue.record("yrd answered prd's request with \(String(describing: answer))")
      return
    }
    #expect(code == "blob.not-entitled")
    #expect(await eventually(10) { yrd.log.contains("blob.not-entitled") })
    // After a quiet period every node holds the same changes (prd some as stubs). This failed once
    // in many runs, on a loaded machine, and said nothing of why: now it says where each stood.
    func standing() async -> String {
      await [jjj, yrd, prd].asyncMap { node in
        let vector = (try? await node.status()["versionVector"]).map { "\($0)" } ?? "?"
        return "\(node.name) \(vector): \(node.log.suffix(1_500))"
      }.joined(separator: "\n")
    }
    let converged = try await eventually {
      let vectors = try await [jjj, yrd, prd].asyncMap {
        try await $0.status()["versionVector"] as? [String: Int] ?? [:]
      }
      // jjj: announcement, two leads, evidence, and its receipt of yrd's file.
      return vectors[0]["jjj"] == 5 && vectors.allSatisfy { $0 == vectors[0] }
    }
    if !converged { Issue.record("the nodes did not converge:\n\(await standing())") }
    // Every node's digest over the changes it holds matches, though prd reads less of them.
    let digests = try await [jjj, yrd, prd].asyncMap {
      try await $0.status()["heldChangesDigest"] as? String ?? ""
    }
    #expect(Set(digests).count == 1 && !digests[0].isEmpty, "\(digests)")
    let readable = try await [jjj, prd].asyncMap { try await $0.status()["changeSetDigest"] as? String ?? "" }
    #expect(readable[0] != readable[1], "prd holds a stub where jjj holds the body")
    let prdLead = try await prd.cli("lead", "show", publicLead, "--json").stdout
    #expect(prdLead.contains("\"origin\" : \"jjj\"") && prdLead.contains("warning for all"))
    let hidden = try await prd.cli("lead", "show", privateLead)
    #expect(hidden.failed(with: "object.not-found"))
    #expect(
      try await prd.status()["stubs"] as? Int == 3,
      "the private lead, yrd's evidence for jjj, and jjj's receipt of it")
    // Each file's receipt is in its chain of custody, hash checked.
    let received = try await jjj.cli("evidence", "list", "--json").stdout
    #expect(received.contains("\"event\" : \"received\"") && received.contains("\"hashMatched\" : true"))
    #expect(try await prd.cli("log").stdout.contains("stub: this node is not in the audience"))
    for node in [jjj, yrd, prd] {
      let verify = try await node.cli("verify")
      #expect(verify.status == 0, "\(node.name): \(verify)")
    }
    // SIGTERM stops each node cleanly.
    for node in [jjj, yrd, prd] {
      #expect(node.stop() == 0, "\(node.name) did not stop cleanly: \(node.log.suffix(500))")
      #expect(node.log.contains("stopped"))
    }
  }

  @Test("a 96 MiB evidence file moves between two serve processes while their memory stays flat")
  func largeFileFlatMemory() async throws {
    let federation = try TestFederation(label: "large", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.serve(interval: 0.3)
    try await yrd.serve(interval: 0.3)
    defer { for node in [jjj, yrd] { _ = node.stop() } }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "big file", "--to", "all"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(try await eventually { try await yrd.cli("lead", "show", lead).status == 0 })
    // Idle size: both have synced (and served) a few rounds already.
    let idle = try [jjj, yrd].map { try residentKiB($0.server!.pid, peak: true) }

    let file = temporaryDirectory("large").appendingPathComponent("recording.mp4")
    #expect(try await run("dd", ["if=/dev/urandom", "of=\(file.path)", "bs=1M", "count=96"]).status == 0)
    let added = try await jjj.cli("evidence", "add", lead, file.path, "--category", "audio-visual", "--json")
    #expect(added.status == 0, "\(added)")
    let object = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any]
    let id = try #require(object?["id"] as? String)
    #expect(
      try await eventually(180) {
        try await yrd.cli("evidence", "show", id, "--json").stdout.contains("\"held\"")
      },
      "\(yrd.log.suffix(800))")
    let peak = try [jjj, yrd].map { try residentKiB($0.server!.pid, peak: true) }
    for (index, node) in [jjj, yrd].enumerated() {
      let growth = (peak[index] - idle[index]) / 1024
      print("large file: \(node.name) peak resident memory grew \(growth) MiB for a 96 MiB file")
      #expect(growth < 64, "\(node.name): peak resident memory grew by \(growth) MiB")
    }
    let sent = try Data(contentsOf: file)
    let received = try Data(
      contentsOf: yrd.data.appendingPathComponent(
        "blobs/\(SHA256.hash(sent).hex.prefix(2))/\(SHA256.hash(sent).hex)"))
    #expect(received == sent)
  }

  @Test("liandong sync reports what moved, and exits 1 with a clear reason when a peer is down or refuses us")
  func oneShotSync() async throws {
    let federation = try TestFederation(label: "oneshot", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    try await jjj.cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "one", "--to", "all")
    let synced = try await jjj.cli("sync", "yrd")
    #expect(
      synced.status == 0 && synced.stdout.contains("yrd: sent 2 changes and 0 stubs, received 1"), "\(synced)"
    )
    let json = try await jjj.cli("sync", "--all", "--json")
    #expect(json.status == 0 && json.stdout.contains("\"changesSent\" : 0"), "\(json)")

    let unknown = try await jjj.cli("sync", "prd")
    #expect(
      unknown.failed(with: "usage.unknown-peer") && unknown.stderr.contains("peer add prd"), "\(unknown)")
    try await jjj.cli("peer", "add", "prd", "127.0.0.1:\(try freePort())")
    let down = try await jjj.cli("sync", "prd")
    #expect(
      down.failed(with: "sync.unreachable") && down.stderr.contains("liandong serve"),
      "\(down)")
    #expect(try await jjj.cli("peer", "list").stdout.contains("prd"))

    // A node that accepts only prd turns jjj away.
    let strict = try await NodeProcess("prd", federation: federation)
    try await strict.serve(interval: 60, extra: ["--allow", "yrd"])
    defer { _ = strict.stop() }
    try await jjj.cli("peer", "add", "prd", "127.0.0.1:\(strict.port)")
    let refused = try await jjj.cli("sync", "prd")
    #expect(refused.failed(with: "sync.refused"), "\(refused)")
    #expect(strict.log.contains("tls.peer-not-allowed"))
  }

  @Test(
    "a hostile peer's oversized frame, forged change and replayed batch are refused and logged; honest peers are still served"
  )
  func hostilePeer() async throws {
    let federation = try TestFederation(label: "hostile", nodes: ["yrd", "evil", "jjj"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let evil = try SimulatedNode("evil", federation: federation)
    try evil.addLead(summary: "genuine")
    let genuine = try evil.store.changes(after: [:])

    // 1. An oversized frame: refused before anything is buffered.
    let refusal = try await withRawSession(federation, port: yrd.port) { outbound, frames in
      try await outbound.write(ByteBuffer(bytes: [0x7f, 0xff, 0xff, 0xff]))
      return try await frames.nextReply()
    }
    guard case .failure(let code, _) = refusal else {
      Issue.record("expected a Failure for an oversized frame, got \(String(describing: refusal))")
      return
    }
    #expect(code == "sync.oversized-frame")
    let oversized = await eventually(10) { yrd.log.contains("sync.oversized-frame") }
    #expect(oversized, "\(yrd.log.suffix(800))")

    // 2. A forged change (body altered after signing): acknowledged as refused, not stored.
    var forgedBody = genuine[1].body!
    forgedBody[forgedBody.count - 1] ^= 0x01
    let forged = try SignedChange(
      headerBytes: genuine[1].headerBytes, signature: genuine[1].signature, body: forgedBody)
    let acks = try await withRawSession(federation, port: yrd.port) { outbound, frames in
      try await outbound.write(
        ByteBuffer(bytes: FrameCoding.encode(.batch(number: 1, changes: [genuine[0], forged]))))
      return try await frames.nextReply()
    }
    guard case .ack(let ack) = acks else {
      Issue.record("expected an acknowledgement, got \(String(describing: acks))")
      return
    }
    #expect(ack.stored == 1 && ack.refusals.count == 1 && ack.refusals[0].hasPrefix("change.body-hash"))
    let logged = await eventually(10) { yrd.log.contains("change.body-hash") }
    #expect(logged)

    // 3. A replayed batch number: the session is ended with a Failure.
    let replay = try await withRawSession(federation, port: yrd.port) { outbound, frames in
      try await outbound.write(
        ByteBuffer(bytes: FrameCoding.encode(.batch(number: 1, changes: [genuine[0]]))))
      _ = try await frames.nextReply()
      try await outbound.write(
        ByteBuffer(bytes: FrameCoding.encode(.batch(number: 1, changes: [genuine[0]]))))
      return try await frames.nextReply()
    }
    #expect(
      replay
        == .failure(
          code: "sync.batch-order",
          message: ProtocolError.batchOutOfOrder(expected: 2, received: 1).description))

    // The node still serves an honest peer, and holds exactly the genuine announcement.
    let jjj = try await NodeProcess("jjj", federation: federation)
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(try await yrd.status()["versionVector"] as? [String: Int] == ["yrd": 1, "evil": 1, "jjj": 1])
  }
}

/// Reads frames from an inbound stream, one at a time (NIO allows one iterator per stream).
final class FrameReader: @unchecked Sendable {
  private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
  private var decoder = FrameDecoder()
  private var pending: [SyncFrame] = []

  init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) { iterator = inbound.makeAsyncIterator() }

  func next() async throws -> SyncFrame? {
    while pending.isEmpty {
      guard let chunk = try await iterator.next() else { return nil }
      pending += try decoder.feed(Data(chunk.readableBytesView))
    }
    return pending.removeFirst()
  }

  /// The next acknowledgement or failure, skipping what the node sends of its own accord (its
  /// Hello-driven batches and Done).
  func nextReply() async throws -> SyncFrame? {
    try await next {
      switch $0 {
      case .ack, .failure: true
      default: false
      }
    }
  }

  /// The next frame that `wanted` accepts; others are skipped.
  func next(_ wanted: (SyncFrame) -> Bool) async throws -> SyncFrame? {
    while let frame = try await next() {
      if wanted(frame) { return frame }
    }
    return nil
  }
}

/// Connects to a serving node as `node` (with its certificate), exchanges Hellos, and runs `body`
/// with raw frames.
@discardableResult
func withRawSession<T: Sendable>(
  _ federation: TestFederation, port: Int, as node: String = "evil",
  _ body: @Sendable (NIOAsyncChannelOutboundWriter<ByteBuffer>, FrameReader) async throws -> T
) async throws -> T {
  let connection = try await connect(federation.tlsConfiguration(node), port: port)
  return try await connection.channel.executeThenClose { inbound, outbound in
    let reader = FrameReader(inbound)
    try await outbound.write(
      ByteBuffer(bytes: FrameCoding.encode(.hello(SyncHello(node: node, vector: [:])))))
    guard case .hello = try await reader.next() else { throw TestFailure("no Hello from the node") }
    return try await body(outbound, reader)
  }
}
