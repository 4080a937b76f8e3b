import Foundation
import LiandongCore
import LiandongTLS
import LiandongTesting
import NIOCore
import Testing

/// Interop with a TLS stack nobody here wrote: the openssl command-line tool.
@Suite("TLS interop with openssl s_client and s_server")
struct TLSInteropTests {
  let federation = TestFederation.shared

  /// Starts `openssl s_client` against `port`, sends one line, and waits until its output
  /// contains `expected` (or the peer ends the connection), then lets it leave.
  func sClient(port: Int, _ arguments: [String], expecting expected: [String] = []) async throws
    -> ProcessResult
  {
    // -quiet implies -ign_eof; -no_ign_eof makes s_client leave once its input ends.
    let client = try ChildProcess(
      "openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-no_ign_eof"] + arguments,
      inputPipe: true)
    client.send("hello from s_client\n")
    // A generous wait: on a loaded machine the echo can take long; a refusal ends it at once.
    if !expected.isEmpty { _ = await client.waitForOutput(expected, timeout: 90) }
    client.closeInput()
    let status = await client.wait(timeout: 20)
    return ProcessResult(status: status, stdout: client.stdout, stderr: client.stderr)
  }

  @Test("openssl s_client -tls1_3 with a federation certificate completes a handshake and exchanges bytes")
  func sClientConnects() async throws {
    let server = try await EchoServer(federation.tlsConfiguration("n1"))
    defer { Task { await server.stop() } }
    let files = federation.files("n0")
    let result = try await sClient(
      port: server.port,
      ["-tls1_3", "-cert", files.certificate.path, "-key", files.key.path, "-CAfile", federation.caURL.path],
      expecting: ["WELCOME n0", "hello from s_client"])
    #expect(result.stdout.contains("WELCOME n0"), "\(result)")
    #expect(result.stdout.contains("hello from s_client"), "\(result)")
  }

  @Test(
    "the key exchange groups are X25519, P-256 and P-384 only: a client offering X448 or P-521 alone is refused"
  )
  func groups() async throws {
    let capture = LogCapture()
    let server = try await EchoServer(federation.tlsConfiguration("n1"), capture: capture)
    defer { Task { await server.stop() } }
    let files = federation.files("n0")
    let identity = [
      "-tls1_3", "-cert", files.certificate.path, "-key", files.key.path, "-CAfile", federation.caURL.path,
    ]
    // Accepted: the server authenticated the client, as its handler logs on the event loop. (Not
    // the echo's WELCOME: it is written by a task, and in a run of 400 tests whose blocking waits
    // hold the concurrency pool's two threads it once came after the 90 s this waited.)
    for (index, group) in ["X25519", "P-256", "P-384"].enumerated() {
      let result = try await sClient(port: server.port, identity + ["-groups", group])
      let accepted = await capture.waitFor(
        index + 1, linesWith: "TLS peer authenticated", "peer=n0", seconds: 90)
      #expect(accepted, "\(group): \(result)\n\(capture.all)")
    }
    for group in ["X448", "P-521"] {
      let result = try await sClient(port: server.port, identity + ["-groups", group])
      #expect(!result.stdout.contains("WELCOME"), "\(group) was accepted: \(result)")
    }
    let line = await capture.waitFor("tls.handshake-failed", "no suitable key share")
    #expect(line != nil, "\(capture.all)")
  }

  @Test("openssl s_client -tls1_2 is refused")
  func tls12Refused() async throws {
    let capture = LogCapture()
    let server = try await EchoServer(federation.tlsConfiguration("n1"), capture: capture)
    defer { Task { await server.stop() } }
    let files = federation.files("n0")
    let result = try await sClient(
      port: server.port,
      ["-tls1_2", "-cert", files.certificate.path, "-key", files.key.path, "-CAfile", federation.caURL.path])
    #expect(!result.stdout.contains("WELCOME"), "\(result)")
    let line = await capture.waitFor("tls.handshake-failed", "unsupported protocol")
    #expect(line != nil, "\(capture.all)")
  }

  @Test("openssl s_client without a certificate gets no application data")
  func noClientCertificate() async throws {
    let capture = LogCapture()
    let server = try await EchoServer(federation.tlsConfiguration("n1"), capture: capture)
    defer { Task { await server.stop() } }
    let result = try await sClient(port: server.port, ["-tls1_3", "-CAfile", federation.caURL.path])
    #expect(!result.stdout.contains("WELCOME") && !result.stdout.contains("hello"), "\(result)")
    let line = await capture.waitFor("tls.handshake-failed", "peer did not return a certificate")
    #expect(line != nil, "\(capture.all)")
  }

  @Test("our client completes a handshake with openssl s_server -tls1_3 -Verify 1, and bytes cross both ways")
  func sServerAccepts() async throws {
    let files = federation.files("n1")
    // s_server sends what arrives on its stdin, and ends the session when stdin closes: keep it
    // open until the exchange is over. It prints ACCEPT once it listens; a port another test took
    // in the meantime (a server of its own, with this federation's n1 certificate, would answer
    // the handshake and never send the line) makes it exit instead, and another port is tried.
    var listening: (server: ChildProcess, port: Int)? = nil
    for _ in 0..<5 where listening == nil {
      let port = try freePort()
      let server = try ChildProcess(
        "openssl",
        [
          "s_server", "-tls1_3", "-Verify", "1", "-naccept", "1", "-accept", "127.0.0.1:\(port)",
          "-cert", files.certificate.path, "-key", files.key.path, "-CAfile", federation.caURL.path,
        ], inputPipe: true)
      if await server.waitForOutput("ACCEPT", timeout: 30) {
        listening = (server, port)
      } else {
        server.closeInput()
        await server.wait(timeout: 5)
      }
    }
    let (server, port) = try #require(listening, "openssl s_server did not listen")
    server.send("from s_server\n")

    var connection: AuthenticatedConnection? = nil
    for _ in 0..<50 where connection == nil {
      connection = try? await connect(
        federation.tlsConfiguration("n0"), port: port, expecting: try NodeID("n1"))
      if connection == nil { try await Task.sleep(for: .milliseconds(100)) }
    }
    let established = try #require(connection, "could not connect to openssl s_server")
    #expect(established.peer.node.rawValue == "n1")
    try await established.channel.executeThenClose { inbound, outbound in
      #expect(try await read(inbound, count: 14) == "from s_server\n")
      try await outbound.write(ByteBuffer(string: "from liandong\n"))
      #expect(await server.waitForOutput("from liandong"), "s_server printed: \(server.stdout)")
    }
    server.closeInput()
    await server.wait(timeout: 20)
  }
}

/// A loopback port that was free a moment ago.
func freePort() throws -> Int { try freeLoopbackPort() }
