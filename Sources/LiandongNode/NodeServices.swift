import ServiceLifecycle

/// The running node as services of swift-service-lifecycle, which `serve` runs in one
/// `ServiceGroup` (the HTTP API will join it). A graceful shutdown (SIGTERM, SIGINT) cancels
/// each: the listener stops accepting and closes its connections, a batch being committed
/// finishes or rolls back whole, and the scheduler's sleep ends.
public struct SyncListenerService: Service {
  let server: NodeServer
  let announce: @Sendable (Int) -> Void

  /// `announce` is called with the bound port once the listener is up.
  public init(server: NodeServer, announce: @escaping @Sendable (Int) -> Void) {
    self.server = server
    self.announce = announce
  }

  public func run() async throws {
    try await cancelWhenGracefulShutdown { try await server.listen(announce) }
  }
}

/// Dials the configured peers every interval (`NodeServer.dialPeriodically`).
public struct PeerSchedulerService: Service {
  let server: NodeServer

  public init(server: NodeServer) { self.server = server }

  public func run() async throws {
    await cancelWhenGracefulShutdown { await server.dialPeriodically() }
  }
}
