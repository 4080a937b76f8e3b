import Foundation
import LiandongTLS
import LiandongTesting
import Logging
import NIOCore
import NIOPosix

/// Bulk throughput through our TLS handler, beside OpenSSL's own tools on the same bytes.
struct TLSThroughput {
  let workspace: BenchWorkspace
  let bytes: Int

  func run() async throws -> BenchRow {
    let megabytes = Double(bytes) / 1_048_576
    log("tls: moving \(Int(megabytes)) MiB through liandong's handler over loopback ...")
    let ours = megabytes / (try await measureOurs())
    log(String(format: "tls: liandong %.1f MiB/s; now openssl s_client -> s_server ...", ours))
    let reference = megabytes / (try measureOpenSSL())
    log(String(format: "tls: openssl %.1f MiB/s", reference))
    return BenchRow(
      scenario: "tls", ours: ours, reference: reference, unit: "MiB/s",
      referenceName: "openssl s_client -> s_server, TLS 1.3, same certificates",
      goal: 0.7, note: "\(Int(megabytes)) MiB over 127.0.0.1, mutual TLS, both ends on this machine")
  }

  /// Seconds for `bytes` to go from our client to our server, which acknowledges the last byte.
  private func measureOurs() async throws -> Double {
    var logger = Logger(label: "liandong.bench")
    logger.logLevel = .warning
    let group = MultiThreadedEventLoopGroup.singleton
    let listener = try await TLSListener.bind(
      host: "127.0.0.1", port: 0, context: TLSContext(workspace.tlsConfiguration("bench-b"), role: .server),
      group: group,
      logger: logger)
    let total = bytes
    let server = Task {
      try await listener.serve { connection in
        try? await connection.channel.executeThenClose { inbound, outbound in
          var received = 0
          for try await chunk in inbound {
            received += chunk.readableBytes
            if received >= total { break }
          }
          try await outbound.write(ByteBuffer(string: "OK"))
        }
      }
    }
    defer {
      server.cancel()
      Task { await listener.close() }
    }
    let connection = try await TLSConnector.connect(
      host: "127.0.0.1", port: listener.port,
      context: TLSContext(workspace.tlsConfiguration("bench-a"), role: .client),
      group: group, logger: logger)
    let chunk = ByteBuffer(repeating: 0x5a, count: 256 * 1024)
    let clock = ContinuousClock()
    let start = clock.now
    try await connection.channel.executeThenClose { inbound, _ in
      // Written as a node writes (`OutboundQueue`): straight to the channel, with at most
      // `inFlightBytes` the socket has not taken yet. The async writer learns that the channel is
      // full only once the event loop gets to each write, so a loop of its writes hands the loop
      // the whole gigabyte at once, to be encrypted into fresh memory and held.
      let channel = connection.channel.channel
      var inFlight: [EventLoopFuture<Void>] = []
      var sent = 0
      while sent < total {
        if inFlight.count * chunk.readableBytes >= Self.inFlightBytes {
          try await inFlight.removeFirst().get()
        }
        inFlight.append(channel.writeAndFlush(chunk))
        sent += chunk.readableBytes
      }
      for write in inFlight { try await write.get() }
      for try await _ in inbound { break }
    }
    return seconds(start.duration(to: clock.now))
  }

  /// The most bytes the sender has written that the socket has not taken: a node's
  /// `OutboundQueue.roomBytes`.
  static let inFlightBytes = 4 << 20

  /// Seconds for `head -c N /dev/zero | openssl s_client` to deliver N bytes to `openssl s_server`.
  func measureOpenSSL() throws -> Double {
    let port = 20_000 + Int.random(in: 0..<20_000)
    let server = try ChildProcess(
      "openssl",
      [
        "s_server", "-tls1_3", "-quiet", "-naccept", "1", "-accept", "127.0.0.1:\(port)", "-Verify", "1",
        "-cert", workspace.path("nodes/bench-b.pem"), "-key", workspace.path("nodes/bench-b.key"),
        "-CAfile", workspace.path("ca.pem"),
      ], inputPipe: true, discardStdout: true)
    defer { server.closeInput() }
    try waitUntilListening(port: port)
    let clock = ContinuousClock()
    let start = clock.now
    let client = try ChildProcess(
      "bash",
      [
        "-c",
        "head -c \(bytes) /dev/zero | openssl s_client -quiet -no_ign_eof -tls1_3 -connect 127.0.0.1:\(port) "
          + "-cert \(workspace.path("nodes/bench-a.pem")) -key \(workspace.path("nodes/bench-a.key")) "
          + "-CAfile \(workspace.path("ca.pem"))",
      ], discardStdout: true)
    guard server.wait(timeout: 600) == 0 else {
      throw BenchError("openssl s_server failed: \(server.stderr)")
    }
    let elapsed = seconds(start.duration(to: clock.now))
    client.wait(timeout: 10)
    return elapsed
  }

  /// Waits until something listens on the port (read from /proc/net/tcp, without connecting).
  private func waitUntilListening(port: Int) throws {
    let needle = String(format: ":%04X 00000000:0000 0A", port)
    for _ in 0..<200 {
      if let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8), table.contains(needle) {
        return
      }
      usleep(20_000)
    }
    throw BenchError("openssl s_server did not start listening on \(port)")
  }

  private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
