import Foundation
import LiandongCore
import LiandongCrypto
import LiandongTLS
import NIOCore
import Testing

@Suite("Mutual TLS over loopback")
struct TLSLoopbackTests {
  @Test("valid certificates on both sides: authenticated, and bytes echo back")
  func success() async throws {
    let federation = TestFederation.shared
    let capture = LogCapture()
    let server = try await EchoServer(federation.tlsConfiguration("n1"), capture: capture)
    defer { Task { await server.stop() } }
    let connection = try await connect(
      federation.tlsConfiguration("n0"), port: server.port, expecting: try NodeID("n1"))
    #expect(connection.peer.node.rawValue == "n1")
    do {
      try await connection.channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: "lead 42"))
        #expect(try await read(inbound, count: 18) == "WELCOME n0\nlead 42")
      }
    } catch {
      Issue.record("\(error); the server logged: \(capture.all)")
    }
  }

  /// Starts a listener for n1 (with an optional allow-list), connects with `client`, and returns
  /// the line the listener logged for the refusal.
  func refusal(
    client: TLSConfiguration, server: TLSConfiguration? = nil, expecting fragments: String...
  ) async throws -> String? {
    let capture = LogCapture()
    let listener = try await EchoServer(
      server ?? TestFederation.shared.tlsConfiguration("n1"), capture: capture)
    defer { Task { await listener.stop() } }
    // In TLS 1.3 the client may finish its side before the server refuses it: either way the
    // server must log the refusal and never greet the client.
    if let connection = try? await connect(client, port: listener.port) {
      try? await connection.channel.executeThenClose { inbound, _ in
        let text = try await read(inbound, count: 8)
        #expect(!text.contains("WELCOME"), "a refused client received application data")
      }
    }
    let line = await capture.waitFor("TLS connection refused", "address=[IPv4]127.0.0.1")
    for fragment in fragments {
      #expect(
        line?.contains(fragment) == true,
        "expected '\(fragment)' in: \(line ?? "no refusal logged") \(capture.all)")
    }
    return line
  }

  @Test("a certificate from another CA is refused")
  func otherCA() async throws {
    let other = try TestFederation(label: "tls-other")
    try other.issue("n0")
    _ = try await refusal(
      client: other.tlsConfiguration("n0").trusting(TestFederation.shared), expecting: "tls.handshake-failed",
      "unable to get local issuer certificate")
  }

  @Test("a self-signed certificate is refused")
  func selfSigned() async throws {
    let federation = try TestFederation(label: "tls-self")
    try federation.issueSelfSigned("evil")
    let configuration = try TLSConfiguration(
      trust: TestFederation.shared.trust(), chain: federation.chain("evil"), key: federation.key("evil"))
    _ = try await refusal(client: configuration, expecting: "tls.handshake-failed", "self-signed certificate")
  }

  @Test("expired and not-yet-valid certificates are refused")
  func validity() async throws {
    let federation = try TestFederation(label: "tls-validity")
    try federation.issue("old", start: "20250101000000Z", end: "20250201000000Z")
    let start = Date().addingTimeInterval(86_400)
    try federation.issue(
      "early", start: certificateDate(start), end: certificateDate(start.addingTimeInterval(86_400)))
    try federation.issue("n1")
    let server = try federation.tlsConfiguration("n1")
    _ = try await refusal(
      client: federation.tlsConfiguration("old"), server: server, expecting: "certificate has expired")
    _ = try await refusal(
      client: federation.tlsConfiguration("early"), server: server, expecting: "certificate is not yet valid")
  }

  @Test("a certificate revoked through the CRL is refused, and so is any peer when the CRL has expired")
  func revocation() async throws {
    let federation = try TestFederation(label: "tls-crl")
    try federation.issue("n0")
    try federation.issue("n1")
    try federation.issue("bad")
    try federation.revoke("bad")
    try federation.publishCRL()
    let server = try federation.tlsConfiguration("n1")
    _ = try await refusal(
      client: federation.tlsConfiguration("bad"), server: server, expecting: "certificate revoked")
    try federation.pki(["crl", federation.directory.path, "--seconds", "1"])
    try await Task.sleep(for: .milliseconds(1_500))
    let stale = try federation.tlsConfiguration("n1")
    // The client trusts the CA without a CRL, so that the listener's own check is what refuses.
    _ = try await refusal(
      client: federation.tlsConfiguration("n0").withoutCRL(), server: stale,
      expecting: "CRL has expired: its next update has passed at this machine's time")
  }

  @Test("a CRL issued after this machine's time (its clock is behind) is named as a clock problem")
  func crlFromTheFuture() async throws {
    let federation = try TestFederation(label: "tls-crl-future")
    try federation.issue("n0")
    try federation.issue("n1")
    // The CA publishes a CRL as if two days on: to this machine, the CRL is not valid yet.
    let future = TestFederation(directory: federation.directory, madeOn: Self.inTwoDays())
    try future.publishCRL()
    _ = try await refusal(
      client: federation.tlsConfiguration("n0").withoutCRL(), server: try federation.tlsConfiguration("n1"),
      expecting: "the CRL was issued after this machine's time")
  }

  static func inTwoDays() -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date().addingTimeInterval(2 * 86_400))
  }

  @Test("a SAN that is missing or malformed is refused with the identity error")
  func sanChecks() async throws {
    let federation = try TestFederation(label: "tls-san")
    try federation.issue("n1")
    try federation.issueCustom("nosan", extensions: "basicConstraints=CA:false\n")
    try federation.issueCustom("badsan", extensions: "subjectAltName=URI:urn:liandong:node:Bad_ID\n")
    let server = try federation.tlsConfiguration("n1")
    _ = try await refusal(
      client: federation.tlsConfiguration("nosan"), server: server, expecting: "tls.peer-identity",
      "no SAN URI")
    _ = try await refusal(
      client: federation.tlsConfiguration("badsan"), server: server, expecting: "tls.peer-identity", "Bad_ID")
  }

  @Test("a node that is not on the listener's allow-list is refused")
  func allowList() async throws {
    let federation = TestFederation.shared
    let server = try federation.tlsConfiguration("n1", allowList: [try NodeID("n2")])
    _ = try await refusal(
      client: federation.tlsConfiguration("n0"), server: server, expecting: "tls.peer-not-allowed", "n0")
    // n2 is let in by the same listener configuration.
    let listener = try await EchoServer(server)
    defer { Task { await listener.stop() } }
    let admitted = try await connect(federation.tlsConfiguration("n2"), port: listener.port)
    #expect(admitted.peer.node.rawValue == "n1")
    await admitted.close()
  }

  @Test(
    "a peer that sends nothing is closed by the handshake timeout; garbage is closed at once; others are still served"
  )
  func timeoutsAndGarbage() async throws {
    let federation = TestFederation.shared
    let capture = LogCapture()
    let server = try await EchoServer(
      federation.tlsConfiguration("n1", handshakeTimeout: 0.5), capture: capture)
    defer { Task { await server.stop() } }
    let silent = try RawSocket(port: server.port)
    let garbage = try RawSocket(port: server.port)
    try garbage.send(Data(repeating: 0x47, count: 64))  // "GGGG...": not a TLS record
    #expect(await capture.waitFor("tls.handshake-failed", seconds: 30) != nil, "\(capture.all)")
    #expect(garbage.readUntilClosed(timeout: 30))
    #expect(await capture.waitFor("tls.handshake-timeout", seconds: 30) != nil, "\(capture.all)")
    #expect(silent.readUntilClosed(timeout: 30))
    let honest = try await connect(federation.tlsConfiguration("n0"), port: server.port)
    #expect(honest.peer.node.rawValue == "n1")
    await honest.close()
  }

  @Test("an authenticated peer that goes quiet is closed by the idle timeout")
  func idleTimeout() async throws {
    let federation = TestFederation.shared
    let capture = LogCapture()
    let server = try await EchoServer(federation.tlsConfiguration("n1", idleTimeout: 0.5), capture: capture)
    defer { Task { await server.stop() } }
    let connection = try await connect(federation.tlsConfiguration("n0"), port: server.port)
    #expect(await capture.waitFor("tls.idle-timeout", seconds: 30) != nil, "\(capture.all)")
    try await connection.channel.executeThenClose { inbound, _ in
      _ = try? await read(inbound, count: 1_000)  // ends when the server closes
    }
  }

  @Test("a peer that never completes a handshake cannot make the listener buffer more than the cap")
  func handshakeCap() async throws {
    let federation = TestFederation.shared
    let capture = LogCapture()
    var configuration = try federation.tlsConfiguration("n1")
    configuration.maximumHandshakeBytes = 4_096
    let server = try await EchoServer(configuration, capture: capture)
    defer { Task { await server.stop() } }
    let socket = try RawSocket(port: server.port)
    // A TLS record header claiming a 16 KiB handshake record, then its body trickled in.
    try socket.send(Data([0x16, 0x03, 0x01, 0x40, 0x00]) + Data(repeating: 0, count: 8_000))
    #expect(await capture.waitFor("tls.handshake-too-large", seconds: 30) != nil, "\(capture.all)")
    #expect(socket.readUntilClosed(timeout: 30))
  }

  @Test("a client that speaks HTTP to the sync port is refused as a failed handshake, saying so, and closed")
  func notTLS() async throws {
    let capture = LogCapture()
    let server = try await EchoServer(TestFederation.shared.tlsConfiguration("n1"), capture: capture)
    defer { Task { await server.stop() } }
    let socket = try RawSocket(port: server.port)
    try socket.send(Data("GET / HTTP/1.1\r\nHost: n1\r\n\r\n".utf8))
    #expect(
      await capture.waitFor("tls.handshake-failed", "http request", seconds: 30) != nil, "\(capture.all)")
    #expect(socket.readUntilClosed(timeout: 30))
  }

  @Test("a key that is not the certificate's, and a port nobody listens on, are named errors")
  func setUpErrors() async throws {
    let federation = TestFederation.shared
    var mismatched = try federation.tlsConfiguration("n1")
    mismatched.key = try federation.key("n2")
    let error = try #require(throws: TLSError.self) { try TLSContext(mismatched, role: .server) }
    #expect(error.code == "tls.configuration" && "\(error)".contains("does not match"), "\(error)")

    let closed = try await EchoServer(federation.tlsConfiguration("n1"))
    let port = closed.port
    await closed.stop()
    await #expect {
      try await connect(federation.tlsConfiguration("n0"), port: port)
    } throws: { error in
      (error as? SocketError)?.code == "net.cannot-connect" && "\(error)".contains("127.0.0.1:\(port)")
    }
  }
}

/// Run in the test command's second phase, with the other tests that start many connections or
/// processes: in the first, among two hundred tests sharing the event loops, a round of this test
/// saw a connection stay open for 30 s after its listener stopped (see RELIABILITY.md).
@Suite("Stopping a listener during a burst of connections")
struct ListenerStopBurstTests {
  /// NIO traps (the whole process ends) when a connection it accepted is dropped unfinished, and
  /// a listener that closes while connections are being accepted dropped those not yet handed to
  /// its accept loop: a node stopped by SIGTERM while peers dialled it crashed (apple/swift-nio
  /// issue 2813). A burst of connections each round makes that window likely.
  @Test("stopping a listener while a burst of peers connects closes every connection, and nothing traps")
  func stopDuringAcceptBurst() async throws {
    let federation = TestFederation.shared
    for _ in 0..<5 {
      let server = try await EchoServer(federation.tlsConfiguration("n1"))
      let sockets = try (0..<64).map { _ in try RawSocket(port: server.port) }
      await server.stop()
      for socket in sockets { #expect(socket.readUntilClosed(timeout: 30)) }
    }
  }
}

extension TLSConfiguration {
  func withoutCRL() throws -> TLSConfiguration {
    var copy = self
    copy.trust = try TrustAnchor(authorities: trust.authorities)
    return copy
  }

  /// The same identity, but trusting another federation's CA (so that only the server refuses).
  func trusting(_ federation: TestFederation) throws -> TLSConfiguration {
    var copy = self
    copy.trust = try federation.trust()
    return copy
  }
}

/// A plain TCP socket, for peers that do not speak TLS.
final class RawSocket: @unchecked Sendable {
  let descriptor: Int32

  init(port: Int) throws {
    descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else { throw TestFailure("connect failed: \(errno)") }
  }

  deinit { Foundation.close(descriptor) }

  func send(_ data: Data) throws {
    let sent = data.withUnsafeBytes {
      Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
    }
    guard sent == data.count else { throw TestFailure("send failed") }
  }

  /// True when the peer closes the connection within `timeout` seconds.
  /// Whether the server ends the connection within `timeout`. A connection the kernel
  /// completed but no process ever accepted (its accept queue overflowed under load, so the
  /// server side stayed half-open) ends silently when the listener closes; after a few seconds
  /// one byte is sent, which such a connection answers with a reset. A connection the server
  /// accepted and failed to close would take the byte and stay open, and still fails the test.
  func readUntilClosed(timeout: Double) -> Bool {
    var tv = timeval(tv_sec: 0, tv_usec: 100_000)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let started = Date()
    let deadline = started.addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4096)
    var probed = false
    while Date() < deadline {
      let count = recv(descriptor, &buffer, buffer.count, 0)
      if count == 0 { return true }
      if count < 0 {
        if errno == ECONNRESET { return true }
        // EINTR (children of other tests exit all the time) and EAGAIN: keep waiting.
      }
      if !probed && Date().timeIntervalSince(started) > 3 {
        probed = true
        var byte: UInt8 = 0x16
        if Glibc.send(descriptor, &byte, 1, Int32(MSG_NOSIGNAL)) < 0
          && (errno == ECONNRESET || errno == EPIPE)
        {
          return true
        }
      }
    }
    return false
  }

}
