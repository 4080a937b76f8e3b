import ArgumentParser
import Foundation
import LiandongCore
import LiandongNode
import LiandongStore
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncNodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the node: accept sync sessions over mutual TLS and sync with every peer periodically.",
    discussion: """
      Peers come from 'liandong peer add'. A peer that fails is retried with exponential \
      back-off. SIGTERM or SIGINT stops the node gracefully: the listener closes, and a batch \
      being committed finishes or rolls back whole. Logs go to stderr.

      Example: liandong serve --data /var/lib/liandong --listen 0.0.0.0:7420 --interval 30
      """)

  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("Where to listen, HOST:PORT (port 0 picks a free one).", valueName: "address"))
  var listen = "127.0.0.1:7420"
  @Option(help: ArgumentHelp("Seconds between sync rounds with the peers.", valueName: "seconds"))
  var interval = 30.0
  @Option(
    help: ArgumentHelp(
      "Accept only these node IDs (comma-separated); default: any federation node.", valueName: "ids"))
  var allow: String?
  @OptionGroup var batch: BatchOption
  @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "level"))
  var logLevel = "info"

  func execute() async throws {
    guard interval > 0 else {
      throw UsageError(code: "usage.interval", message: "--interval must be more than 0 seconds")
    }
    guard let level = Logger.Level(rawValue: logLevel) else {
      throw UsageError(
        code: "usage.log-level",
        message: "--log-level \(logLevel): use trace, debug, info, notice, warning or error")
    }
    let (host, port) = try PeerAddress.parse(listen.hasSuffix(":0") ? listen.dropLast() + "1" : listen)
    let allowList = try allow.map { Set(try $0.split(separator: ",").map { try NodeID(String($0)) }) }
    let home = try options.openNode()
    var logger = Logger(label: "liandong.\(home.node)") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    let server = NodeServer(
      home: home,
      options: .init(
        host: host, port: listen.hasSuffix(":0") ? 0 : port, interval: .milliseconds(Int64(interval * 1000)),
        allowList: allowList, batchBytes: try batch.validated()),
      logger: logger)
    let node = home.node
    let service = NodeService(server: server) { port in
      // Written straight to the descriptor, so scripts reading the pipe see it at once.
      FileHandle.standardOutput.write(Data("serving node \(node) on \(host):\(port)\n".utf8))
    }
    // A parent may have blocked these signals (test runners do); the node must receive them.
    var mask = sigset_t()
    sigemptyset(&mask)
    for number in [SIGTERM, SIGINT] { sigaddset(&mask, number) }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    let group = ServiceGroup(
      services: [service], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
      logger: logger)
    try await group.run()
  }
}

/// The node as a service of swift-service-lifecycle: a graceful shutdown (SIGTERM, SIGINT)
/// becomes the cancellation the server handles: the listener stops accepting, and a batch being
/// committed finishes or rolls back whole.
struct NodeService: Service {
  let server: NodeServer
  let announce: @Sendable (Int) -> Void

  func run() async throws {
    try await cancelWhenGracefulShutdown { try await server.run(listening: announce) }
  }
}
