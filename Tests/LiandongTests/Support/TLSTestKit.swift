import Foundation
import LiandongCore
import LiandongCrypto
import LiandongTLS
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Collects log events so tests can assert the reason a refusal was logged with.
final class LogCapture: Sendable {
  private let lines = Mutex<[String]>([])

  var logger: Logger {
    var logger = Logger(label: "liandong.test") { _ in CaptureHandler(capture: self) }
    logger.logLevel = .debug
    return logger
  }

  func append(_ line: String) { lines.withLock { $0.append(line) } }
  var all: [String] { lines.withLock { $0 } }

  /// Waits (up to `seconds`) for a line containing every fragment; looks once more after the
  /// deadline, since a starved task may wake only after it.
  func waitFor(_ fragments: String..., seconds: Double = 10) async -> String? {
    let deadline = Date().addingTimeInterval(seconds)
    func match() -> String? { all.first(where: { line in fragments.allSatisfy { line.contains($0) } }) }
    while Date() < deadline {
      if let line = match() { return line }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return match()
  }

  /// Waits (up to `seconds`) until at least `count` lines contain every fragment; true if so.
  func waitFor(_ count: Int, linesWith fragments: String..., seconds: Double = 10) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    func enough() -> Bool { all.count { line in fragments.allSatisfy { line.contains($0) } } >= count }
    while Date() < deadline {
      if enough() { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return enough()
  }
}

struct CaptureHandler: LogHandler {
  let capture: LogCapture
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .debug

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    capture.append("\(event.level) \(event.message) \(fields.joined(separator: " "))")
  }
}

extension TestFederation {
  /// A node's TLS configuration. The timeouts default to far more than a node's own (10 s and
  /// 60 s): a test that is not about them must not fail because a loaded run starved its task
  /// between the handshake and its first write (a CI run once saw "I/O on closed channel" so);
  /// the tests of the timeouts set them.
  func tlsConfiguration(
    _ node: String, allowList: Set<NodeID>? = nil, handshakeTimeout: Double = 120, idleTimeout: Double = 600
  )
    throws -> TLSConfiguration
  {
    TLSConfiguration(
      trust: try trust(), chain: try chain(node), key: try key(node), allowList: allowList,
      handshakeTimeout: handshakeTimeout,
      idleTimeout: idleTimeout)
  }

  /// A certificate signed by this CA with any extensions, made by `openssl x509 -req` directly
  /// (for SANs the PKI script would refuse to make).
  @discardableResult
  func issueCustom(_ name: String, extensions: String) throws -> NodeFiles {
    let files = self.files(name)
    let ext = directory.appendingPathComponent("nodes/\(name).custom.ext")
    try Data(extensions.utf8).write(to: ext)
    for arguments in [
      [
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.key.path,
        "-out", files.key.path + ".csr", "-subj", "/CN=\(name)",
      ],
      [
        "x509", "-req", "-in", files.key.path + ".csr", "-CA", caURL.path, "-CAkey",
        directory.appendingPathComponent("ca.key").path,
        "-CAcreateserial", "-days", "30", "-out", files.certificate.path, "-extfile", ext.path,
      ],
    ] {
      let result = try run("openssl", arguments)
      guard result.status == 0 else { throw TestFailure("openssl \(arguments[0]): \(result)") }
    }
    return files
  }

  /// A self-signed certificate that claims a node ID, outside any CA.
  @discardableResult
  func issueSelfSigned(_ name: String) throws -> NodeFiles {
    let files = self.files(name)
    let result = try run(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        files.key.path, "-out",
        files.certificate.path, "-days", "30", "-subj", "/CN=\(name)", "-addext",
        "subjectAltName=URI:urn:liandong:node:\(name)",
      ])
    guard result.status == 0 else { throw TestFailure("openssl req -x509: \(result)") }
    return files
  }
}

/// A listener on a free loopback port that greets each authenticated peer by name and echoes
/// what it receives, for as long as the test needs it.
final class EchoServer: Sendable {
  let listener: TLSListener
  let task: Task<Void, Error>
  let capture: LogCapture
  var port: Int { listener.port }

  init(_ configuration: TLSConfiguration, capture: LogCapture = LogCapture()) async throws {
    self.capture = capture
    let context = try TLSContext(configuration, role: .server)
    listener = try await TLSListener.bind(
      host: "127.0.0.1", port: 0, context: context, group: MultiThreadedEventLoopGroup.singleton,
      logger: capture.logger)
    let listener = self.listener
    task = Task {
      try await listener.serve { connection in
        try? await connection.channel.executeThenClose { inbound, outbound in
          try await outbound.write(ByteBuffer(string: "WELCOME \(connection.peer.node)\n"))
          for try await chunk in inbound { try await outbound.write(chunk) }
        }
      }
    }
  }

  func stop() async {
    await listener.close()
    task.cancel()
  }
}

/// Connects as `node` and returns the authenticated connection.
func connect(
  _ configuration: TLSConfiguration, port: Int, expecting peer: NodeID? = nil,
  capture: LogCapture = LogCapture()
)
  async throws -> AuthenticatedConnection
{
  try await TLSConnector.connect(
    host: "127.0.0.1", port: port, context: try TLSContext(configuration, role: .client), expectedPeer: peer,
    group: MultiThreadedEventLoopGroup.singleton, logger: capture.logger)
}

/// Reads from `inbound` until `expected` bytes arrived (or the stream ends).
func read(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, count expected: Int) async throws -> String {
  var collected = ByteBuffer()
  for try await var chunk in inbound {
    collected.writeBuffer(&chunk)
    if collected.readableBytes >= expected { break }
  }
  return collected.readString(length: collected.readableBytes) ?? ""
}

extension AuthenticatedConnection {
  /// Ends a connection the test no longer needs, as NIO requires of an async channel.
  func close() async {
    try? await channel.executeThenClose { _, _ in }
  }
}
