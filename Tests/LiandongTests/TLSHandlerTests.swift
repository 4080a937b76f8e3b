import Foundation
import LiandongCore
import LiandongTLS
import NIOCore
import NIOEmbedded
import Testing

/// Two handlers over a pair of EmbeddedChannels: every byte is moved by the test, so the
/// handshake and the data exchange are deterministic.
struct EmbeddedPair {
  let client: EmbeddedChannel
  let server: EmbeddedChannel
  let clientIdentity: EventLoopFuture<PeerIdentity>
  let serverIdentity: EventLoopFuture<PeerIdentity>

  init(client clientNode: String = "n0", server serverNode: String = "n1") throws {
    let federation = TestFederation.shared
    let capture = LogCapture()
    client = EmbeddedChannel()
    server = EmbeddedChannel()
    let clientPromise = client.eventLoop.makePromise(of: PeerIdentity.self)
    let serverPromise = server.eventLoop.makePromise(of: PeerIdentity.self)
    try server.pipeline.syncOperations.addHandler(
      OpenSSLTLSHandler(
        context: TLSContext(federation.tlsConfiguration(serverNode), role: .server),
        handshakePromise: serverPromise,
        logger: capture.logger))
    try client.pipeline.syncOperations.addHandler(
      OpenSSLTLSHandler(
        context: TLSContext(federation.tlsConfiguration(clientNode), role: .client),
        handshakePromise: clientPromise,
        expectedPeer: try NodeID(serverNode), logger: capture.logger))
    clientIdentity = clientPromise.futureResult
    serverIdentity = serverPromise.futureResult
    let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
    try server.connect(to: address).wait()
    try client.connect(to: address).wait()
  }

  /// Moves ciphertext both ways until neither side has anything more to send.
  func shuttle() throws {
    var moved = true
    while moved {
      moved = false
      while let bytes = try client.readOutbound(as: ByteBuffer.self) {
        try server.writeInbound(bytes)
        moved = true
      }
      while let bytes = try server.readOutbound(as: ByteBuffer.self) {
        try client.writeInbound(bytes)
        moved = true
      }
    }
  }

  static func plaintext(_ channel: EmbeddedChannel) throws -> String {
    var collected = ByteBuffer()
    while var buffer = try channel.readInbound(as: ByteBuffer.self) { collected.writeBuffer(&buffer) }
    return collected.readString(length: collected.readableBytes) ?? ""
  }
}

@Suite("The OpenSSL TLS handler over EmbeddedChannels")
struct TLSHandlerTests {
  @Test("handshake authenticates both nodes; data flows both ways")
  func handshakeAndData() throws {
    let pair = try EmbeddedPair()
    // Written before the handshake completes: held, then sent once the peer is authenticated.
    pair.client.writeAndFlush(ByteBuffer(string: "early hello"), promise: nil)
    try pair.shuttle()
    #expect(try pair.clientIdentity.wait().node.rawValue == "n1")
    #expect(try pair.serverIdentity.wait().node.rawValue == "n0")
    #expect(try EmbeddedPair.plaintext(pair.server) == "early hello")
    pair.server.writeAndFlush(ByteBuffer(string: "reply"), promise: nil)
    let big = String(repeating: "线索", count: 40_000)  // several TLS records
    pair.client.writeAndFlush(ByteBuffer(string: big), promise: nil)
    try pair.shuttle()
    #expect(try EmbeddedPair.plaintext(pair.client) == "reply")
    #expect(try EmbeddedPair.plaintext(pair.server) == big)
  }

  @Test("application data in the same read as the handshake's last message is not lost")
  func dataWithFinished() throws {
    let pair = try EmbeddedPair()
    // Run the handshake until the client has produced its Finished, then append application data
    // to the same buffer before the server sees any of it.
    while let bytes = try pair.client.readOutbound(as: ByteBuffer.self) {
      try pair.server.writeInbound(bytes)
    }
    while let bytes = try pair.server.readOutbound(as: ByteBuffer.self) {
      try pair.client.writeInbound(bytes)
    }
    pair.client.writeAndFlush(ByteBuffer(string: "piggybacked"), promise: nil)
    var combined = ByteBuffer()
    while var bytes = try pair.client.readOutbound(as: ByteBuffer.self) { combined.writeBuffer(&bytes) }
    try pair.server.writeInbound(combined)
    #expect(try pair.serverIdentity.wait().node.rawValue == "n0")
    #expect(try EmbeddedPair.plaintext(pair.server) == "piggybacked")
  }

  @Test("close from the client sends close_notify; the server closes cleanly", arguments: [true, false])
  func cleanClose(clientCloses: Bool) throws {
    let pair = try EmbeddedPair()
    try pair.shuttle()
    let (closer, other) = clientCloses ? (pair.client, pair.server) : (pair.server, pair.client)
    _ = closer.close()
    try pair.shuttle()
    #expect(!other.isActive)
    #expect(throws: Never.self) { try other.throwIfErrorCaught() }
    #expect(throws: Never.self) { try closer.throwIfErrorCaught() }
  }

  @Test("a connection that drops without close_notify is reported as an unclean shutdown")
  func uncleanShutdown() throws {
    let pair = try EmbeddedPair()
    try pair.shuttle()
    pair.server.pipeline.fireChannelInactive()
    #expect(throws: TLSError.uncleanShutdown) { try pair.server.throwIfErrorCaught() }
    #expect(TLSError.uncleanShutdown.code == "tls.unclean-shutdown")
  }

  @Test("bytes that are not a TLS record, after the handshake, end the connection as a protocol error")
  func garbageAfterHandshake() throws {
    let pair = try EmbeddedPair()
    try pair.shuttle()
    #expect(try pair.serverIdentity.wait().node.rawValue == "n0")
    let error = try #require(throws: TLSError.self) {
      try pair.server.writeInbound(ByteBuffer(bytes: Array(repeating: 0x42, count: 64)))
    }
    #expect(error.code == "tls.protocol-error", "\(error)")
    #expect(!pair.server.isActive)
  }

  @Test("a client that reaches another node than it meant to refuses it")
  func unexpectedPeer() throws {
    let federation = TestFederation.shared
    let client = EmbeddedChannel()
    let server = EmbeddedChannel()
    let capture = LogCapture()
    let promise = client.eventLoop.makePromise(of: PeerIdentity.self)
    try server.pipeline.syncOperations.addHandler(
      OpenSSLTLSHandler(
        context: TLSContext(federation.tlsConfiguration("n2"), role: .server),
        handshakePromise: server.eventLoop.makePromise(), logger: capture.logger))
    try client.pipeline.syncOperations.addHandler(
      OpenSSLTLSHandler(
        context: TLSContext(federation.tlsConfiguration("n0"), role: .client), handshakePromise: promise,
        expectedPeer: try NodeID("n1"), logger: capture.logger))
    let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
    try server.connect(to: address).wait()
    try client.connect(to: address).wait()
    let pair = (client, server)
    for _ in 0..<4 {
      while let bytes = try pair.0.readOutbound(as: ByteBuffer.self) { _ = try? pair.1.writeInbound(bytes) }
      while let bytes = try pair.1.readOutbound(as: ByteBuffer.self) { _ = try? pair.0.writeInbound(bytes) }
    }
    #expect(throws: TLSError.unexpectedPeer(expected: "n1", actual: "n2")) { try promise.futureResult.wait() }
    #expect(capture.all.contains { $0.contains("tls.unexpected-peer") })
  }
}
