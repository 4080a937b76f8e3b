import Foundation
import Hummingbird
import LiandongApp
import LiandongTLS
import Logging
import NIOCore
import OpenAPIHummingbird
import ServiceLifecycle

/// The node's HTTP API (`Protocol/openapi.yaml`), served by Hummingbird as one more service of
/// `liandong serve`. Every route goes through the same use cases as the command line.
public enum APIServer {
  /// The API as a service on `host:port` (loopback; port 0 picks one); `announce` gets the port
  /// once it listens.
  public static func service(
    app: NodeApp, host: String, port: Int, logger: Logger, announce: @escaping @Sendable (Int) -> Void
  ) throws -> some Service {
    APIService(
      application: Application(
        router: try router(app: app, logger: logger),
        configuration: .init(address: .hostname(host, port: port), serverName: "liandong"),
        onServerRunning: { channel in announce(channel.localAddress?.port ?? port) },
        logger: logger),
      address: "\(host):\(port)")
  }

  /// The routes: health checks without credentials, everything else as an authenticated account.
  static func router(app: NodeApp, logger: Logger) throws -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ProblemMiddleware(logger: logger))
    router.add(middleware: AuthenticationMiddleware(app: app))
    try NodeAPI(app: app).registerHandlers(on: router)
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
