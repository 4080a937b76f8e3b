import ArgumentParser
import Dispatch
import Foundation
import LiandongAPI
import LiandongApp
import LiandongCore
import LiandongNode
import LiandongStore
import LiandongTLS
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncNodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the node: accept sync sessions over mutual TLS and sync with every peer periodically.",
    discussion: """
      Peers come from 'liandong peer add'. A peer that fails is retried with exponential \
      back-off. SIGTERM or SIGINT stops the node gracefully: the listener closes, and a batch \
      being committed finishes or rolls back whole. SIGHUP reads ca.pem, crl.pem and the \
      node's certificate and key again (after 'liandong crl install' or 'liandong cert rotate'), \
      without a restart. Logs go to stderr.

      Example:
        liandong serve --data /var/lib/liandong --listen 0.0.0.0:7420 --interval 30
      """)

  @OptionGroup var options: NodeOptions
  @Option(
    help: ArgumentHelp(
      "Where to listen, HOST:PORT (port 0 picks a free one).",
      discussion: "Default: node.json, else 127.0.0.1:7420.",
      valueName: "address"))
  var listen: String?
  @Option(
    help: ArgumentHelp(
      "Seconds between sync rounds with the peers.", discussion: "Default: node.json, else 30.",
      valueName: "seconds"))
  var interval: Double?
  @Option(
    help: ArgumentHelp(
      "Accept only these node IDs (comma-separated).",
      discussion: "Default: node.json, else any federation node.",
      valueName: "ids"))
  var allow: String?
  @OptionGroup var batch: BatchOption
  @Option(
    help: ArgumentHelp(
      "Serve the HTTP API (Protocol/openapi.yaml) over HTTPS on HOST:PORT (port 0 picks a free one).",
      discussion:
        "Default: node.json's serve.api, else no API. Callers log in or send a token ('liandong officer').",
      valueName: "address"))
  var api: String?
  @Option(
    help: ArgumentHelp(
      "The API's certificate chain (PEM, leaf first), e.g. one that names the host browsers use.",
      discussion: "Default: node.json's serve.apiCertificate, else the node's own certificate.",
      valueName: "file"))
  var apiCert: String?
  @Option(help: ArgumentHelp("The key of --api-cert (PEM, unencrypted).", valueName: "file"))
  var apiKey: String?
  @Flag(help: "Serve the API as plain HTTP (loopback only), e.g. behind a local reverse proxy.")
  var apiPlainHTTP = false
  @Option(
    help: ArgumentHelp(
      "MiB per second at which the evidence files held are read back against their SHA-256; 0 is off.",
      discussion:
        "Default: node.json's serve.scrubMiBPerSecond, else 8. A file found altered or missing is set aside, recorded damaged and fetched again from a peer.",
      valueName: "MiB/s"))
  var scrubRate: Double?
  @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "level"))
  var logLevel: String?
  @Flag(
    help: "Check node.json, the certificates and the settings, explain each, and exit (0 if all is well).")
  var checkConfig = false

  func execute() async throws {
    let home = try options.openNode()
    let settings = try ServeSettingsResolver(
      file: home.configuration.serve, listen: listen, interval: interval, allow: allow, batch: batch,
      logLevel: logLevel, api: api, apiCertificate: apiCert, apiKey: apiKey, apiPlainHTTP: apiPlainHTTP,
      scrubRate: scrubRate
    ).resolve()
    if checkConfig { return try ConfigCheck(home: home, settings: settings).report(json: options.json) }
    let (host, port) = (settings.host, settings.port)
    var logger = Logger(label: "liandong.\(home.node)") { VisibleLogHandler.standardError(label: $0) }
    logger.logLevel = settings.logLevel
    let server = try NodeServer(
      home: home,
      options: .init(
        host: host, port: port, interval: .milliseconds(Int64(settings.interval * 1000)),
        allowList: settings.allowList, batchBytes: settings.batchBytes),
      logger: logger)
    let node = home.node
    if case .postgres = home.configuration.storeLocation {
      logger.notice("hub: the log is kept in PostgreSQL at \(home.configuration.storeLocation.shown)")
    }
    if home.trust.suite == .sm {
      logger.notice(
        "national algorithms: changes are signed with SM2 and hashed with SM3; \(TLSCapabilities.summary)")
    }
    let listener = SyncListenerService(server: server) { port in
      // Written straight to the descriptor, so scripts reading the pipe see it at once.
      FileHandle.standardOutput.write(Data("serving node \(node) on \(host):\(port)\n".utf8))
    }
    // A parent may have blocked these signals (test runners do); the node must receive them.
    var mask = sigset_t()
    sigemptyset(&mask)
    for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&mask, number) }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    // SIGHUP (systemctl reload) reads the CA, CRL and the node's certificate again; peers are read before every round.
    signal(SIGHUP, SIG_IGN)
    let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    reload.setEventHandler { server.reloadTrust() }
    reload.resume()
    defer { reload.cancel() }
    // The scheduler stops with the listener: a node that cannot listen does not dial either.
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
      .init(service: listener, successTerminationBehavior: .gracefullyShutdownGroup),
      .init(service: PeerSchedulerService(server: server)),
    ]
    if settings.scrubBytesPerSecond > 0 {
      services.append(
        .init(
          service: EvidenceScrubService(
            home: home, pace: .init(bytesPerSecond: settings.scrubBytesPerSecond), logger: logger)))
    }
    if let api = settings.api {
      // People use this node: a sync's heavy work gives way to their requests.
      Patience.yieldToPeople()
      // What the node records through swift-metrics goes to the API's /metrics.
      let metrics = PrometheusCollectorRegistry()
      MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
      let service = try APIServer.service(
        app: NodeApp(home: home), host: api.host, port: api.port,
        tls: api.plainHTTP
          ? nil : try APIServer.tlsContext(home: home, certificate: api.certificate, key: api.key),
        metrics: metrics,
        controls: NodeControls(
          doctor: { try await DoctorExamination().report(of: home.directory) },
          trustChanged: { server.reloadTrust() }),
        logger: logger
      ) {
        port in
        FileHandle.standardOutput.write(
          Data("serving the API of node \(node) on \(api.scheme)://\(api.host):\(port)\n".utf8))
      }
      services.append(.init(service: service, failureTerminationBehavior: .gracefullyShutdownGroup))
    }
    let group = ServiceGroup(
      configuration: .init(
        services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
        logger: logger))
    try await group.run()
    logger.info("stopped", metadata: ["node": "\(node)"])
  }
}
