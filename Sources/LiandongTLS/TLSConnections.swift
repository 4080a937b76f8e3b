import Foundation
import LiandongCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// An authenticated connection: the peer's node ID, and a byte stream both ways.
public struct AuthenticatedConnection: Sendable {
  public let peer: PeerIdentity
  public let remoteAddress: String
  public let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
}

/// What the pipeline initializer hands back before the handshake: the handshake's outcome, and
/// the channel wrapped for async use.
typealias PendingConnection = (
  handshake: EventLoopFuture<PeerIdentity>, channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
)

/// Adds the TLS handler to a new channel and wraps it for async use. Runs on the channel's loop.
private func initialize(
  _ channel: Channel, context: TLSContext, expectedPeer: NodeID?, logger: Logger
) -> EventLoopFuture<PendingConnection> {
  channel.eventLoop.makeCompletedFuture {
    let promise = channel.eventLoop.makePromise(of: PeerIdentity.self)
    let handler = try OpenSSLTLSHandler(
      context: context, handshakePromise: promise, expectedPeer: expectedPeer, logger: logger)
    try channel.pipeline.syncOperations.addHandler(handler)
    let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
      wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: false))
    return (promise.futureResult, wrapped)
  }
}

/// Closes a connection that will never be used, finishing its async writer as NIO requires.
private func discard(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
  try? await channel.executeThenClose { _, _ in }
}

/// Dials a peer with mutual TLS and returns once it is authenticated.
public enum TLSConnector {
  public static func connect(
    host: String, port: Int, context: TLSContext, expectedPeer: NodeID? = nil, group: any EventLoopGroup,
    logger: Logger, connectTimeout: TimeAmount = .seconds(10)
  ) async throws -> AuthenticatedConnection {
    precondition(context.role == .client, "a connector needs a client TLS context")
    let pending = try await SocketError.wording({ .cannotConnect(address: "\(host):\(port)", reason: $0) }) {
      try await ClientBootstrap(group: group)
        .connectTimeout(connectTimeout)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .connect(host: host, port: port) { channel in
          initialize(channel, context: context, expectedPeer: expectedPeer, logger: logger)
        }
    }
    do {
      let peer = try await pending.handshake.get()
      return AuthenticatedConnection(peer: peer, remoteAddress: "\(host):\(port)", channel: pending.channel)
    } catch {
      await discard(pending.channel)
      throw error
    }
  }
}

/// Listens for peers with mutual TLS. Refused peers are logged by the TLS handler and never reach
/// the connection handler; each refusal costs at most the handshake's capped bytes.
public final class TLSListener: Sendable {
  private let server: NIOAsyncChannel<PendingConnection, Never>
  private let state: ListenerState
  public let port: Int

  private init(server: NIOAsyncChannel<PendingConnection, Never>, state: ListenerState) {
    self.server = server
    self.state = state
    port = server.channel.localAddress?.port ?? 0
  }

  /// Binds `host:port` (port 0 picks a free one; read `port` afterwards).
  public static func bind(
    host: String, port: Int, context: TLSContext, group: any EventLoopGroup, logger: Logger
  ) async throws -> TLSListener {
    precondition(context.role == .server, "a listener needs a server TLS context")
    return try await bind(host: host, port: port, contexts: { context }, group: group, logger: logger)
  }

  /// As `bind(host:port:context:...)`, but each accepted connection uses the context `contexts`
  /// returns at that moment: a node swaps in a new CA or CRL without closing its listener.
  public static func bind(
    host: String, port: Int, contexts: @escaping @Sendable () -> TLSContext, group: any EventLoopGroup,
    logger: Logger
  ) async throws -> TLSListener {
    let state = ListenerState()
    let server = try await SocketError.wording({ .cannotListen(address: "\(host):\(port)", reason: $0) }) {
      try await ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 256)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .bind(host: host, port: port) { channel in
          initialize(channel, context: contexts(), expectedPeer: nil, logger: logger).map { pending in
            if !state.hold(pending.channel) { Task { await discard(pending.channel) } }
            return pending
          }
        }
    }
    return TLSListener(server: server, state: state)
  }

  /// Accepts connections until the listener is closed or the task cancelled, running `handle`
  /// for each authenticated peer concurrently. `handle` owns the connection and must end it
  /// with `channel.executeThenClose`.
  ///
  /// Cancelling stops the node gracefully: the listener closes, every open connection is closed
  /// (its session ends between batches), and connections accepted meanwhile are closed too. The
  /// accept loop itself is not cancelled but ends when the listener closes: NIO requires every
  /// accepted connection to be consumed and closed, including those still queued.
  ///
  /// A connection accepted as the listener closes can be dropped by NIO before it reaches the
  /// accept loop, and NIO traps when it is (apple/swift-nio issue 2813). So each is held from
  /// acceptance (`ListenerState.hold`) until the loop takes it, and those never taken are
  /// closed once the loop has ended.
  public func serve(_ handle: @escaping @Sendable (AuthenticatedConnection) async -> Void) async throws {
    let server = self.server
    let state = self.state
    try await withTaskCancellationHandler {
      try await Task {
        var failure: (any Error)? = nil
        do { try await Self.accept(server, state, handle) } catch { failure = error }
        for channel in state.stopHolding() { await discard(channel) }
        if let failure { throw failure }
      }.value
    } onCancel: {
      for channel in state.stop() { channel.close(promise: nil) }
      server.channel.close(promise: nil)
    }
  }

  /// The accept loop: runs `handle` for each authenticated peer, until the listener closes.
  private static func accept(
    _ server: NIOAsyncChannel<PendingConnection, Never>, _ state: ListenerState,
    _ handle: @escaping @Sendable (AuthenticatedConnection) async -> Void
  ) async throws {
    try await server.executeThenClose { inbound in
      try await withThrowingDiscardingTaskGroup { group in
        for try await pending in inbound {
          state.take(pending.channel)
          group.addTask {
            // Registered from acceptance on, so that stopping also closes handshakes in progress.
            let channel = pending.channel.channel
            guard state.register(channel) else { return await discard(pending.channel) }
            defer { state.unregister(channel) }
            guard let peer = try? await pending.handshake.get(), !state.stopping else {
              return await discard(pending.channel)  // refused (the TLS handler logged why) or stopping
            }
            let address = channel.remoteAddress.map { "\($0)" } ?? "unknown address"
            await handle(
              AuthenticatedConnection(peer: peer, remoteAddress: address, channel: pending.channel))
          }
        }
      }
    }
  }

  /// Stops accepting; connections already made carry on until they close.
  public func close() async {
    try? await server.channel.close()
  }
}

/// The open connections of a listener, so that stopping can close them all, and the accepted
/// connections not yet taken by its accept loop.
private final class ListenerState: Sendable {
  private let inner = Mutex<(stopping: Bool, open: [ObjectIdentifier: any Channel])>((false, [:]))
  /// Nil once the accept loop has ended: nothing is held after that.
  private let held = Mutex<[ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>]?>([:])

  /// Keeps an accepted connection until the accept loop takes it. False once the loop has
  /// ended: the caller closes the connection instead.
  func hold(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) -> Bool {
    held.withLock {
      guard $0 != nil else { return false }
      $0![ObjectIdentifier(connection.channel)] = connection
      return true
    }
  }

  /// The accept loop has the connection now.
  func take(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    _ = held.withLock { $0?.removeValue(forKey: ObjectIdentifier(connection.channel)) }
  }

  /// Called once the accept loop has ended: the connections it never took, to close.
  func stopHolding() -> [NIOAsyncChannel<ByteBuffer, ByteBuffer>] {
    held.withLock { held in
      defer { held = nil }
      return Array((held ?? [:]).values)
    }
  }

  var stopping: Bool { inner.withLock { $0.stopping } }

  /// False once stopping: the caller closes the channel instead.
  func register(_ channel: any Channel) -> Bool {
    inner.withLock {
      guard !$0.stopping else { return false }
      $0.open[ObjectIdentifier(channel)] = channel
      return true
    }
  }

  func unregister(_ channel: any Channel) {
    _ = inner.withLock { $0.open.removeValue(forKey: ObjectIdentifier(channel)) }
  }

  /// Marks the listener stopping and returns the connections to close.
  func stop() -> [any Channel] {
    inner.withLock {
      $0.stopping = true
      return Array($0.open.values)
    }
  }
}
