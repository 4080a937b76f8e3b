import Foundation
import Hummingbird
import LiandongApp
import LiandongConsole
import LiandongCrypto
import LiandongErrors
import LiandongStore
import LiandongTLS
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// The node's HTTP API (`Protocol/openapi.yaml`), served by Hummingbird as one more service of
/// `liandong serve`. Every route goes through the same use cases as the command line.
public enum APIServer {
  /// The API as a service on `host:port` (port 0 picks one), over HTTPS with `tls`, else plain
  /// HTTP (loopback only: the caller checks); `announce` gets the port once it listens.
  /// `/metrics` shows what swift-metrics recorded into `metrics` (bootstrapped by the caller);
  /// `controls` are what the running node does for its operator (doctor, backups, a new CRL).
  public static func service(
    app: NodeApp, host: String, port: Int, tls: TLSContext?, metrics: PrometheusCollectorRegistry,
    controls: NodeControls, logger: Logger, announce: @escaping @Sendable (Int) -> Void
  ) throws -> some Service {
    return APIService(
      application: Application(
        router: try router(
          app: app, secureCookies: tls != nil, metrics: OperatorMetrics(registry: metrics),
          openMetrics: isLoopback(host), controls: controls, logger: logger),
        server: .http1(tls: tls),
        configuration: .init(address: .hostname(host, port: port), serverName: "liandong"),
        onServerRunning: { channel in announce(channel.localAddress?.port ?? port) },
        logger: logger),
      address: "\(host):\(port)")
  }

  /// Whether `host` is this machine only: plain HTTP and open metrics are allowed there alone.
  public static func isLoopback(_ host: String) -> Bool {
    ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
  }

  /// The HTTPS listener's TLS context: the node's TLS certificate and key, or the PEM files given
  /// (both or neither), checked for a matching key before anything listens.
  public static func tlsContext(home: NodeHome, certificate: String?, key: String?) throws -> TLSContext {
    let transport = try home.transport()
    var chain = transport.chain
    var privateKey = transport.key
    if let certificate, let key {
      do {
        chain = try Certificate.chain(pem: try Data(contentsOf: URL(fileURLWithPath: certificate)))
        privateKey = try PrivateKey(pem: try Data(contentsOf: URL(fileURLWithPath: key)))
      } catch {
        throw UsageError(
          code: "config.api-certificate",
          message: "the API's certificate \(certificate) or key \(key): \(Failure(error).message)")
      }
    }
    do {
      return try TLSContext(
        TLSConfiguration(trust: home.trust, chain: chain, key: privateKey), role: .httpsServer)
    } catch {
      throw UsageError(
        code: "config.api-certificate", message: "the API's TLS listener: \(Failure(error).message)")
    }
  }

  /// The paths of Protocol/openapi.yaml and their methods, so that a method a path does not have
  /// is answered 405 with `Allow` (a test keeps this table equal to the spec's).
  static let routes: [(path: String, methods: [String])] = [
    ("/healthz", ["GET"]), ("/readyz", ["GET"]), ("/metrics", ["GET"]), ("/v1/whoami", ["GET"]),
    ("/v1/status", ["GET"]), ("/v1/forks/keep", ["POST"]),
    ("/v1/session", ["POST", "DELETE"]), ("/v1/whoami/password", ["POST"]),
    ("/v1/accounts", ["GET", "POST"]),
    ("/v1/accounts/{name}/disable", ["POST"]), ("/v1/accounts/{name}/password", ["PUT"]),
    ("/v1/accounts/{name}/tokens", ["POST", "DELETE"]), ("/v1/leads", ["GET", "POST"]),
    ("/v1/leads/{id}", ["GET"]), ("/v1/leads/{id}/acts", ["POST"]), ("/v1/requests", ["GET", "POST"]),
    ("/v1/requests/{id}", ["GET"]), ("/v1/requests/{id}/acts", ["POST"]), ("/v1/due", ["GET"]),
    ("/v1/peers", ["GET"]), ("/v1/events", ["GET"]), ("/v1/leads/{id}/evidence", ["POST"]),
    ("/v1/evidence/{id}", ["GET"]), ("/v1/evidence/{id}/file", ["GET"]),
    ("/v1/objects/{id}/history", ["GET"]),
    ("/v1/objects/{id}/reach", ["GET"]),
    ("/v1/conflicts", ["GET"]), ("/v1/alerts", ["GET"]), ("/v1/report", ["GET"]), ("/v1/report.csv", ["GET"]),
    ("/v1/handoffs", ["GET"]), ("/v1/leads/{id}/handoff", ["POST"]),
    ("/v1/leads/{id}/handoff/share", ["POST"]),
    ("/v1/police-transfers", ["GET", "POST"]), ("/v1/police-transfers/{id}", ["GET"]),
    ("/v1/police-transfers/{id}/acts", ["POST"]), ("/v1/evidence/{id}/custody", ["POST"]),
    ("/v1/evidence/{id}/share", ["POST"]), ("/v1/objects/{id}/bundle", ["GET"]),
    ("/v1/federation", ["GET"]), ("/v1/doctor", ["GET"]), ("/v1/verify", ["GET", "POST"]),
    ("/v1/peers/{node}", ["PUT", "DELETE"]), ("/v1/crl", ["POST"]), ("/v1/backup", ["GET", "POST"]),
  ]

  /// The methods of the spec's path that `path` is, or nil if it is none of them.
  static func methods(of path: String) -> [String]? { matching(path)?.methods }

  /// The spec's path template that `path` is (`/v1/leads/{id}`), or nil.
  static func route(of path: String) -> String? { matching(path)?.path }

  private static func matching(_ path: String) -> (path: String, methods: [String])? {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    return routes.first { route in
      let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
      return pattern.count == parts.count
        && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
    }
  }

  /// The largest request body the API reads: a lead with every field at its longest is far smaller.
  static let maximumRequestBytes = 256 * 1024
  /// Requests handled at once; more get 503 api.busy. Each holds at most one store read or act.
  static let maximumConcurrentRequests = 64

  /// The routes: health checks without credentials (and metrics, on a loopback listener),
  /// everything else as an authenticated account.
  static func router(
    app: NodeApp, secureCookies: Bool, metrics: OperatorMetrics, openMetrics: Bool,
    controls: NodeControls, logger: Logger
  ) throws -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: ProblemMiddleware(logger: logger))
    router.add(middleware: ConcurrencyLimitMiddleware(gate: RequestGate(maximum: maximumConcurrentRequests)))
    router.add(middleware: RequestLimitMiddleware(maximumBytes: maximumRequestBytes))
    let open = AuthenticationMiddleware<BasicRequestContext>.alwaysOpen.union(openMetrics ? ["/metrics"] : [])
    router.add(middleware: AuthenticationMiddleware(app: app, open: open))
    try NodeAPI(
      app: app, secureCookies: secureCookies, metrics: metrics, controls: controls
    )
    // Compact JSON: the runtime's default pretty-prints, which doubled a page of leads (50 KB for
    // 50) and the time to write it. Keys stay sorted, as `--json` sorts them.
    .registerHandlers(on: router, configuration: Configuration(jsonEncodingOptions: [.sortedKeys]))
    Console.register(on: router, app: app, secureCookies: secureCookies, controls: controls, logger: logger)
    return router
  }
}

/// Runs the application; a listener that cannot be opened (the port taken, an address this
/// machine does not have) is reported in plain words, as the sync listener's is.
struct APIService<Wrapped: Service>: Service {
  let application: Wrapped
  let address: String

  func run() async throws {
    try await SocketError.wording({ .cannotListen(address: address, reason: $0) }) {
      try await application.run()
    }
  }
}
