import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongProtocol
import LiandongStore
import LiandongTLS
import Logging
import NIOCore
import NIOPosix

/// The running node: it accepts sync sessions from peers and dials its configured peers every
/// `interval`, backing off exponentially (up to `maximumBackoff`) from a peer that fails.
/// Cancelling `run` stops it: the listener closes, sessions stop between batches, and a batch
/// being committed finishes or rolls back as one transaction.
public final class NodeServer: Sendable {
  public struct Options: Sendable {
    public var host: String
    public var port: Int
    public var interval: Duration
    public var maximumBackoff: Duration
    public var allowList: Set<NodeID>?
    /// About how many bytes of changes go in one batch: smaller batches are acknowledged sooner.
    public var batchBytes: Int
    /// How many sessions one peer may have open with this node at once (SessionAdmission).
    public var sessionsPerPeer: Int

    public init(
      host: String = "127.0.0.1", port: Int = 7420, interval: Duration = .seconds(30),
      maximumBackoff: Duration = .seconds(300), allowList: Set<NodeID>? = nil,
      batchBytes: Int = SyncSession.defaultBatchBytes,
      sessionsPerPeer: Int = SessionAdmission.defaultLimit
    ) {
      self.host = host
      self.port = port
      self.interval = interval
      self.maximumBackoff = maximumBackoff
      self.allowList = allowList
      self.batchBytes = batchBytes
      self.sessionsPerPeer = sessionsPerPeer
    }
  }

  let home: NodeHome
  let options: Options
  let logger: Logger
  /// The CA, CRL and own certificate in force; `reloadTrust` swaps them while the node runs.
  let trust: NodeTrust

  public init(home: NodeHome, options: Options, logger: Logger) throws {
    self.home = home
    self.options = options
    self.logger = logger
    trust = try NodeTrust(home: home, allowList: options.allowList)
  }

  /// Reads `ca.pem`, `crl.pem`, `node.pem` and `node.key` again (on SIGHUP): the next connection
  /// and the next change use them. On failure the node keeps what it had and says why.
  public func reloadTrust() { Self.reload(trust, home: home, logger: logger) }

  static func reload(_ trust: NodeTrust, home: NodeHome, logger: Logger) {
    do {
      let outcome = try trust.reload()
      logger.notice("\(outcome.summary)", metadata: ["node": "\(home.node)"])
      if let problem = outcome.ownCertificateProblem {
        logger.error("\(problem)", metadata: ["node": "\(home.node)"])
      }
    } catch {
      logger.error(
        "trust not reloaded; keeping the current CA, CRL and certificate",
        metadata: [
          "node": "\(home.node)", "reason": "\((error as? any CodedError)?.description ?? "\(error)")",
        ])
    }
  }

  /// Accepts sync sessions until cancelled; `listening` is called with the bound port (useful
  /// with port 0). Cancelling closes the listener and its connections: sessions stop between
  /// batches, and a batch being committed finishes or rolls back as one transaction.
  public func listen(_ listening: @Sendable (Int) -> Void = { _ in }) async throws {
    let trust = self.trust
    let listener = try await TLSListener.bind(
      host: options.host, port: options.port, contexts: { trust.server },
      group: MultiThreadedEventLoopGroup.singleton,
      logger: logger)
    listening(listener.port)
    logger.info(
      "listening", metadata: ["node": "\(home.node)", "address": "\(options.host):\(listener.port)"])
    let home = self.home
    let logger = self.logger
    let batchBytes = options.batchBytes
    let admission = SessionAdmission(limit: options.sessionsPerPeer)
    try? await listener.serve { connection in
      let peer = connection.peer.node
      guard admission.admit(peer) else {
        return await Self.refuse(
          connection, .tooManySessions(peer: peer.rawValue, limit: admission.limit), logger: logger)
      }
      defer { admission.release(peer) }
      let summary = try? await SyncDriver.run(
        connection, home: home, verifier: trust.verifier, logger: logger, batchBytes: batchBytes)
      SyncMetrics.session(peer: peer, direction: "inbound", summary: summary)
      // A relayed CRL went in force: the TLS contexts take it for the next handshake.
      if summary?.revocationListsAdopted != nil { Self.reload(trust, home: home, logger: logger) }
    }
    logger.info("stopped listening", metadata: ["node": "\(home.node)"])
  }

  /// Listens and dials together until cancelled (what `serve` runs as two services).
  public func run(listening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await self.listen(listening) }
      group.addTask { await self.dialPeriodically() }
    }
  }

  /// Ends a connection before its session with a Failure frame that says why, and logs it.
  private static func refuse(_ connection: AuthenticatedConnection, _ error: ProtocolError, logger: Logger)
    async
  {
    logger.warning(
      "refused a session",
      metadata: ["peer": "\(connection.peer.node)", "code": "\(error.code)", "reason": "\(error)"])
    try? await connection.channel.executeThenClose { _, outbound in
      try await outbound.write(ByteBuffer(frame: .failure(code: error.code, message: error.description)))
    }
  }

  /// Syncs with every configured peer each `interval` until cancelled, backing off from a peer
  /// that fails. Peers are read before every round, so `peer add` takes effect without a restart.
  public func dialPeriodically() async {
    let clock = ContinuousClock()
    var nextAttempt: [String: ContinuousClock.Instant] = [:]
    var backoff: [String: Duration] = [:]
    while !Task.isCancelled {
      let peers = (try? await offload { [home] in try home.store.peers() }) ?? []
      for peer in peers where !Task.isCancelled {
        if let due = nextAttempt[peer.node], clock.now < due { continue }
        do {
          let summary = try await Self.sync(
            with: peer, home: home, context: trust.client, verifier: trust.verifier, logger: logger,
            batchBytes: options.batchBytes)
          if summary.revocationListsAdopted != nil { reloadTrust() }
          backoff[peer.node] = nil
          nextAttempt[peer.node] = nil
        } catch {
          let delay = min((backoff[peer.node] ?? options.interval) * 2, options.maximumBackoff)
          backoff[peer.node] = delay
          nextAttempt[peer.node] = clock.now + delay
          logger.warning(
            "sync with peer failed; backing off",
            metadata: ["peer": "\(peer.node)", "retry_in": "\(delay)", "reason": "\(error)"])
        }
      }
      try? await Task.sleep(for: options.interval)
    }
  }

  /// One session with a configured peer, recorded in the peers table.
  public static func sync(
    with peer: PeerView, home: NodeHome, context: TLSContext, verifier: ChangeVerifier? = nil, logger: Logger,
    batchBytes: Int = SyncSession.defaultBatchBytes, progress: (@Sendable (SyncSummary) -> Void)? = nil
  ) async throws -> SyncSummary {
    let node = try NodeID(peer.node)
    do {
      let (host, port) = try PeerAddress.parse(peer.address)
      let connection = try await TLSConnector.connect(
        host: host, port: port, context: context, expectedPeer: node,
        group: MultiThreadedEventLoopGroup.singleton,
        logger: logger)
      let summary = try await SyncDriver.run(
        connection, home: home, verifier: verifier, logger: logger, batchBytes: batchBytes, progress: progress
      )
      try? await offload { try home.store.recordSyncAttempt(with: node, error: nil) }
      SyncMetrics.session(peer: node, direction: "outbound", summary: summary)
      // A restored node has now heard from a peer what it signed after its backup: the one place
      // this is decided, for 'liandong sync' and for serve's own rounds alike.
      _ = try await offload { try home.caughtUp(with: node) }
      return summary
    } catch {
      let text = "\(error)"
      try? await offload { try home.store.recordSyncAttempt(with: node, error: text) }
      SyncMetrics.session(peer: node, direction: "outbound", summary: nil)
      throw error
    }
  }
}

/// `HOST:PORT`, with `[v6]:PORT` for IPv6 literals.
public enum PeerAddress {
  public static func parse(_ text: String) throws -> (host: String, port: Int) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (1...65535).contains(port)
    else { throw AddressError(text: text) }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw AddressError(text: text) }
    return (host, port)
  }

  public struct AddressError: CodedError {
    public let text: String
    public var code: String { "input.address" }
    public var description: String {
      "'\(text)' is not HOST:PORT (for example 10.1.2.3:7420 or yrd.example.org:7420)"
    }
  }
}
