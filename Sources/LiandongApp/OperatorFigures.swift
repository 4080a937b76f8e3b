import Foundation
import LiandongCore
import LiandongStore

/// What an operator watches, read from the node at one moment: the figures behind `/metrics`'
/// gauges. Counters (sessions, refusals, requests) are counted where they happen instead.
public struct OperatorFigures: Sendable {
  public struct Peer: Sendable {
    public var node: String
    public var lastSuccess: Date?
    public var lastFailure: Date?
    public var changesSinceSuccess: Int?
  }

  public var peers: [Peer]
  /// Changes held per origin (the version vector).
  public var changesByOrigin: [String: Int]
  public var forks: Int
  public var quarantinedOrigins: Int
  /// Changes kept with no effect: waiting for this node's clock (stamped ahead), or for a witness
  /// (signed by a revoked certificate).
  public var withheldForClock: Int
  public var withheldForRevocation: Int
  /// Open deadlines by kind and urgency (ok, due-soon, overdue); nil when the calendar cannot count them.
  public var deadlines: [DeadlineCount]?
  public var evidence: BlobCounts
  /// Evidence files that readable evidence names and this node does not hold yet.
  public var evidenceMissing: Int
  public var crlNextUpdate: Date?
  public var certificateNotAfter: Date?
  /// The data folder's file system (`doctor` errs below 256 MiB or 2 % free).
  public var disk: DiskSpace?
  /// The latest backup written of this node (nil: none since its database was made or restored,
  /// and always on a hub, whose database PostgreSQL's own tools back up).
  public var lastBackup: BackupRecord? = nil
  /// A hub's database (its URL without the password); nil on SQLite.
  public var hubDatabase: String? = nil

  public struct DeadlineCount: Sendable, Equatable {
    public var kind: String
    public var urgency: String
    public var count: Int
  }
}

extension NodeApp {
  /// The operator's figures, as of `now`.
  public func operatorFigures(now: Date = Date()) throws -> OperatorFigures {
    // Not `store.status()`: its three digests read every row the node holds, on every scrape.
    let withheld = try store.withheldChanges()
    let versionVector = try store.versionVector()
    let deadlines = deadlineCounts.counts(now: now, heldChanges: versionVector.values.reduce(0, +)) {
      guard let items = try? dueItems(calendar: try calendar(file: nil), now: now) else { return nil }
      let counts = Dictionary(grouping: items) { [$0.kind, $0.urgency ?? "unknown"] }.mapValues(\.count)
      return counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
        OperatorFigures.DeadlineCount(kind: $0.key[0], urgency: $0.key[1], count: $0.value)
      }
    }
    let iso = ISO8601DateFormatter()
    return OperatorFigures(
      peers: try store.peers().map {
        .init(
          node: $0.node, lastSuccess: $0.lastSuccess.flatMap(iso.date(from:)),
          lastFailure: $0.lastFailure.flatMap(iso.date(from:)), changesSinceSuccess: $0.changesSinceSuccess)
      },
      changesByOrigin: Dictionary(uniqueKeysWithValues: versionVector.map { ($0.rawValue, Int($1)) }),
      forks: try store.forks().count, quarantinedOrigins: try store.quarantinedOrigins().count,
      withheldForClock: withheld.count { $0.countsFrom != nil },
      withheldForRevocation: withheld.count { $0.countsFrom == nil },
      deadlines: deadlines,
      evidence: try store.blobCounts(), evidenceMissing: try store.missingFiles(limit: 100_000).count,
      crlNextUpdate: home.trust.revocationLists.compactMap(\.nextUpdate).min(),
      certificateNotAfter: home.chain.first?.notAfter, disk: DiskSpace(of: home.directory.path),
      lastBackup: try home.database?.latestBackup(),
      hubDatabase: home.configuration.storeLocation.isPostgres ? home.configuration.storeLocation.shown : nil)
  }
}
