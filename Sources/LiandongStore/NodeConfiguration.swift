import Foundation

/// `node.json`. Every setting has a default, so an old file keeps working after an upgrade.
public struct NodeConfiguration: Codable, Sendable {
  public var format: Int = 1
  public var node: String
  /// How far ahead of this node's clock a change's time may be before it waits (`ChainTime`).
  public var maximumDriftSeconds: Int = 300
  /// Set by `restore`: the node may have signed changes after the backup was taken, which its
  /// peers hold. Until a sync has brought them back, writing would fork its own chain.
  public var catchUpRequired: Bool = false
  /// The configured peers a sync has completed with since the restore. A peer that lacks the
  /// node's latest changes cannot bring them back, so the node writes again only once every
  /// configured peer has answered (or the operator accepts the risk: `sync --accept-fork-risk`).
  public var caughtUpWith: [String]? = nil
  /// Set by `sync --accept-fork-risk` when a checkpoint showed this node's own chain beyond what
  /// it holds and no peer could bring those changes back: the node writes again, knowing that
  /// its next change forks its chain at that sequence (`NodeStore.ownChainBeyond`).
  public var forkRiskAcceptedThrough: UInt64? = nil
  /// Settings of `liandong serve`; command-line options override them.
  public var serve: ServeSettings? = nil
  /// A working-day calendar file replacing the built-in one; `--calendar` overrides it.
  public var calendar: String? = nil
  /// A GB/T 2260 division list replacing the built-in one (`DivisionList`).
  public var divisions: String? = nil
  /// The shortest time between two of this node's checkpoints (`Checkpoint`), signed at the end
  /// of a sync when what it holds has moved: how fine its witness of other nodes' changes is,
  /// against how many checkpoints every node keeps and relays. Default 60.
  public var checkpointSeconds: Double = 60
  /// Evidence files in an S3-compatible object store instead of `blobs/` (`ObjectStoreSettings`).
  /// Default: none.
  public var evidenceStore: ObjectStoreSettings? = nil
  /// A hub's change log and projections in PostgreSQL: a `postgresql://` URL (`StoreLocation`).
  /// Default: none, the SQLite file `liandong.sqlite` in the data folder.
  public var store: String? = nil
  /// With `store`: how many connections to PostgreSQL one process holds at most (`PostgresPool`);
  /// callers beyond wait their turn. Default 16.
  public var storeConnections: Int? = nil

  /// Where the node keeps its log, as `store` says.
  public var storeLocation: StoreLocation { store.map(StoreLocation.postgres(url:)) ?? .sqlite }

  /// Every key `node.json` may hold: anything else is a mistake `serve --check-config` names.
  public static let knownKeys: Set<String> = [
    "format", "node", "maximumDriftSeconds", "catchUpRequired", "caughtUpWith", "forkRiskAcceptedThrough",
    "serve", "calendar", "divisions", "checkpointSeconds", "evidenceStore",
    "store", "storeConnections",
  ]

  /// The keys of a parsed `node.json` that nothing reads, at the top and under `serve`, sorted:
  /// each is a typo of a key somebody meant to set.
  public static func unknownKeys(in object: [String: Any]) -> (top: [String], serve: [String]) {
    let serve = object["serve"] as? [String: Any] ?? [:]
    return (
      Set(object.keys).subtracting(knownKeys).sorted(),
      Set(serve.keys).subtracting(ServeSettings.knownKeys).sorted()
    )
  }

  public init(node: String) { self.node = node }

  /// What a value that decodes cannot mean: a negative limit or interval.
  var problem: String? {
    if maximumDriftSeconds < 0 {
      return "'maximumDriftSeconds' is \(maximumDriftSeconds); it must be 0 or more (default 300)"
    }
    if !(checkpointSeconds >= 0 && checkpointSeconds <= 86_400) {
      return "'checkpointSeconds' is \(checkpointSeconds); it must be from 0 to 86400 (default 60)"
    }
    if let store, let problem = StoreLocation.problem(store) { return problem }
    if let storeConnections, !(1...1000).contains(storeConnections) {
      return
        "'storeConnections' is \(storeConnections); it must be from 1 to 1000 (default \(PostgresStore.defaultConnections))"
    }
    return nil
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    format = try container.decodeIfPresent(Int.self, forKey: .format) ?? 1
    node = try container.decode(String.self, forKey: .node)
    maximumDriftSeconds = try container.decodeIfPresent(Int.self, forKey: .maximumDriftSeconds) ?? 300
    catchUpRequired = try container.decodeIfPresent(Bool.self, forKey: .catchUpRequired) ?? false
    caughtUpWith = try container.decodeIfPresent([String].self, forKey: .caughtUpWith)
    forkRiskAcceptedThrough = try container.decodeIfPresent(UInt64.self, forKey: .forkRiskAcceptedThrough)
    serve = try container.decodeIfPresent(ServeSettings.self, forKey: .serve)
    calendar = try container.decodeIfPresent(String.self, forKey: .calendar)
    divisions = try container.decodeIfPresent(String.self, forKey: .divisions)
    checkpointSeconds = try container.decodeIfPresent(Double.self, forKey: .checkpointSeconds) ?? 60
    evidenceStore = try container.decodeIfPresent(ObjectStoreSettings.self, forKey: .evidenceStore)
    store = try container.decodeIfPresent(String.self, forKey: .store)
    storeConnections = try container.decodeIfPresent(Int.self, forKey: .storeConnections)
  }
}

/// The `serve` section of `node.json`. Every setting is optional; its default is given here and
/// in `Deploy/config/README.md`.
public struct ServeSettings: Codable, Sendable, Equatable {
  /// Where to listen, HOST:PORT. Default 127.0.0.1:7420.
  public var listen: String?
  /// Seconds between sync rounds with the peers. Default 30.
  public var intervalSeconds: Double?
  /// Node IDs allowed to connect. Default: any node of the federation.
  public var allow: [String]?
  /// About how many bytes of changes per batch. Default 1572864 (`SyncSession.defaultBatchBytes`).
  public var batchBytes: Int?
  /// trace, debug, info, notice, warning or error. Default info.
  public var logLevel: String?
  /// Where the HTTP API listens, HOST:PORT. Default: no API.
  public var api: String?
  /// The API's certificate chain (PEM, leaf first) and key. Default: the node's own.
  public var apiCertificate: String?
  public var apiKey: String?
  /// Serve the API as plain HTTP instead of HTTPS: on loopback only. Default false.
  public var apiPlainHTTP: Bool?
  /// MiB per second at which the evidence files held are read back against their SHA-256, over
  /// and over; 0 turns the scrub off. Default 8.
  public var scrubMiBPerSecond: Double?

  public static let knownKeys: Set<String> = [
    "listen", "intervalSeconds", "allow", "batchBytes", "logLevel", "api", "apiCertificate", "apiKey",
    "apiPlainHTTP", "scrubMiBPerSecond",
  ]
  public static let defaults = ServeSettings(
    listen: "127.0.0.1:7420", intervalSeconds: 30, allow: nil, batchBytes: 3 << 19, logLevel: "info",
    scrubMiBPerSecond: 8)

  public init(
    listen: String? = nil, intervalSeconds: Double? = nil, allow: [String]? = nil, batchBytes: Int? = nil,
    logLevel: String? = nil, api: String? = nil, apiCertificate: String? = nil, apiKey: String? = nil,
    apiPlainHTTP: Bool? = nil, scrubMiBPerSecond: Double? = nil
  ) {
    self.listen = listen
    self.intervalSeconds = intervalSeconds
    self.allow = allow
    self.batchBytes = batchBytes
    self.logLevel = logLevel
    self.api = api
    self.apiCertificate = apiCertificate
    self.apiKey = apiKey
    self.apiPlainHTTP = apiPlainHTTP
    self.scrubMiBPerSecond = scrubMiBPerSecond
  }
}
