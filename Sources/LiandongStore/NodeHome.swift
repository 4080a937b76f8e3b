import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import Synchronization

/// A node's data folder: its identity (CA, certificate chain, key, CRL), its configuration and
/// its store. Layout:
///
///     node.json        node ID and settings
///     ca.pem           the federation CA certificate(s)
///     crl.pem          the CA's revocation list (optional)
///     node.pem         this node's certificate chain, leaf first
///     node.key         this node's private key (mode 0600)
///     tls.pem, tls.key this node's TLS certificate and key, in an `sm` federation only
///                      (`TransportIdentity`)
///     liandong.sqlite  the change log and projections (WAL mode), unless node.json's `store`
///                      names a PostgreSQL database (a hub)
///     blobs/           evidence files by SHA-256 (see `BlobStore`)
public final class NodeHome: LocalNode {
  public let directory: URL
  public let configuration: NodeConfiguration
  public let node: NodeID
  /// Everything the node keeps, through the store's roles, whichever engine holds it.
  public let store: any NodeStorage
  /// The same store as its SQLite database, for what only a file has: a consistent copy for a
  /// backup, SQLite's integrity check. Nil on a hub, whose store is PostgreSQL (`StoreLocation`).
  public let database: NodeStore?
  /// Evidence files, under `blobs/`.
  public let blobs: BlobStore
  /// The verifier every change (local or received) is checked with, over the CA and CRL in
  /// force. `serve` swaps it on SIGHUP (`installTrust`), so its own writes obey a new CRL at once.
  private let verifierInForce: Mutex<ChangeVerifier>
  /// The certificate chain and the key that signs; replaced by a certificate rotation.
  private let identity: Mutex<(chain: [Certificate], author: ChangeAuthor)>
  /// The TLS pair of an `sm` federation's node; nil where the signing pair does TLS.
  private let separateTransport: TransportIdentity?
  /// Held while a file's receipt is checked and recorded: two sessions with the same peer (one
  /// dialled, one accepted) can both fetch a file, and its custody must say "received" once.
  let receipts = Mutex(())
  /// Serialises the read-modify-write of `node.json`'s catch-up state by concurrent syncs.
  let catchUpLock = Mutex(())

  static let configurationFile = "node.json"

  private init(directory: URL, configuration: NodeConfiguration) throws {
    self.directory = directory
    self.configuration = configuration
    node = try NodeID(configuration.node)
    var trust = try Self.readTrust(directory)
    identity = Mutex(try Self.loadIdentity(directory, node: node))
    separateTransport = try TransportIdentity.load(directory)
    switch configuration.storeLocation {
    case .sqlite:
      let file = try NodeStore(path: directory.appendingPathComponent("liandong.sqlite").path, node: node)
      (database, store) = (file, file)
    case .postgres(let url):
      let connections = configuration.storeConnections ?? PostgresStore.defaultConnections
      (database, store) = (nil, try PostgresStore(url: url, node: node, connections: connections))
    }
    store.setMaximumDrift(millis: UInt64(configuration.maximumDriftSeconds) * 1000)
    store.useSuite(trust.suite)
    // A list relayed by sync is newer than the file when the process stopped between storing it
    // and writing `crl.pem`, or an older file was copied back: the store's word stands. On a
    // read-only folder it is used without writing the file.
    if let found = try? Self.newerRelayedTrust(than: trust, store) {
      trust = found.trust
      try? Self.writeRevocationLists(found.relayed.pem, in: directory)
    }
    verifierInForce = Mutex(
      ChangeVerifier(trust: trust))
    // A CRL installed since the store last saw one may withhold changes (`RevocationRule`). On a
    // read-only folder the decisions stay as they were until it is writable again: reading must
    // still work there.
    // Changes held for being stamped ahead count once this clock has reached them.
    do {
      try store.applyRevocations(trust)
      try store.releaseChangesDue()
    } catch let error as StoreError where error.code == "store.read-only" {}
    let blobFolder = directory.appendingPathComponent("blobs")
    let digest = trust.suite.digest
    if let objectStore = configuration.evidenceStore {
      // Nothing is asked of the object store here: a node opens, and reads its log, while the
      // object store is down.
      let client = ObjectStoreClient(try objectStore.resolved(in: directory))
      blobs = BlobStore(
        directory: blobFolder, index: store, digest: digest,
        shelf: ObjectShelf(client: client, digest: digest))
    } else {
      blobs = BlobStore(directory: blobFolder, index: store, digest: digest)
    }
  }

  /// Opens an initialised data folder.
  public static func open(_ directory: URL) throws -> NodeHome {
    try NodeHome(directory: directory, configuration: try readConfiguration(directory))
  }

  static func readConfiguration(_ directory: URL) throws -> NodeConfiguration {
    let file = directory.appendingPathComponent(configurationFile)
    guard FileManager.default.fileExists(atPath: file.path) else {
      throw StoreError.notInitialised(path: directory.path)
    }
    do {
      let configuration = try JSONDecoder().decode(NodeConfiguration.self, from: try readFile(file))
      if let problem = configuration.problem {
        throw StoreError.unreadableConfiguration(path: file.path, reason: problem)
      }
      return configuration
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError.unreadableConfiguration(path: file.path, reason: SystemError.reason(error))
    }
  }

  /// Rewrites `node.json` atomically, keeping its mode (0600 when the store's URL carries a
  /// password: the new file must not be readable by others where the old one was not).
  static func writeConfiguration(_ configuration: NodeConfiguration, to directory: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let file = directory.appendingPathComponent(configurationFile)
    let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions]) as? Int
    try DurableFile.replace(file, with: try encoder.encode(configuration), mode: mode ?? 0o644)
  }

  /// A sync with `peer` has completed since the restore: once every configured peer has
  /// answered, whatever the node signed after its backup is back, and it may write again.
  /// Returns the configured peers still to hear from (empty once it may write).
  @discardableResult
  public func caughtUp(with peer: NodeID) throws -> [String] {
    try catchUpLock.withLock { _ in
      // The session that brought a decision cutting this node's chain began before the cut, so
      // it does not count: the next one with this peer does.
      if try catchUpIfChainCutLocked() {
        return try Self.waiting(Self.readConfiguration(directory), peers: store.peers().map(\.node))
      }
      var current = try Self.readConfiguration(directory)
      guard current.catchUpRequired else { return [] }
      current.caughtUpWith = Array(Set((current.caughtUpWith ?? []) + [peer.rawValue])).sorted()
      let waiting = try Self.waiting(current, peers: store.peers().map(\.node))
      if waiting.isEmpty {
        current.catchUpRequired = false
        current.caughtUpWith = nil
      }
      try Self.writeConfiguration(current, to: directory)
      return waiting
    }
  }

  /// The operator writes again before every configured peer has answered, knowing that a peer
  /// not heard from may hold changes this node signed after its backup: its next write would
  /// then fork its own chain.
  public func acceptForkRisk() throws {
    try catchUpLock.withLock { _ in
      var current = try Self.readConfiguration(directory)
      let missing = try ownChangesMissing(current)
      guard current.catchUpRequired || missing != nil else { return }
      current.catchUpRequired = false
      current.caughtUpWith = nil
      if let missing { current.forkRiskAcceptedThrough = missing.sequence }
      try Self.writeConfiguration(current, to: directory)
    }
  }

  /// A checkpoint that shows this node's own chain beyond what it holds, unless the operator
  /// accepted the fork risk that far (`NodeStore.ownChainBeyond`): the node must not sign then.
  public func ownChangesMissing() throws -> OwnChainBeyond? {
    // Asked before every write: node.json is read only when a checkpoint shows something.
    guard let beyond = try store.ownChainBeyond() else { return nil }
    return try ownChangesMissing(beyond, Self.readConfiguration(directory))
  }

  private func ownChangesMissing(_ configuration: NodeConfiguration) throws -> OwnChainBeyond? {
    try store.ownChainBeyond().flatMap { ownChangesMissing($0, configuration) }
  }

  private func ownChangesMissing(_ beyond: OwnChainBeyond, _ configuration: NodeConfiguration)
    -> OwnChainBeyond?
  {
    beyond.sequence > (configuration.forkRiskAcceptedThrough ?? 0) ? beyond : nil
  }

  /// A fork decision took this node's latest changes out of its log: like a restored node, it
  /// hears from every configured peer before it signs again, since the kept branch may go on
  /// there and its next change would fork it anew. True when the cut was found now.
  @discardableResult
  func catchUpIfChainCut() throws -> Bool {
    try catchUpLock.withLock { _ in try catchUpIfChainCutLocked() }
  }

  private func catchUpIfChainCutLocked() throws -> Bool {
    guard try store.ownChainCut() else { return false }
    var current = try Self.readConfiguration(directory)
    current.catchUpRequired = true
    current.caughtUpWith = []
    try Self.writeConfiguration(current, to: directory)
    try store.clearOwnChainCut()
    return true
  }

  /// The configured peers a restored node still waits for; nil when it may write.
  public func catchUpWaitingFor() throws -> [String]? {
    try catchUpIfChainCut()
    let current = try Self.readConfiguration(directory)
    guard current.catchUpRequired else { return nil }
    return try Self.waiting(current, peers: store.peers().map(\.node))
  }

  private static func waiting(_ configuration: NodeConfiguration, peers: [String]) -> [String] {
    let heard = Set(configuration.caughtUpWith ?? [])
    return peers.filter { !heard.contains($0) }.sorted()
  }

  /// Creates a node in an empty (or absent) folder. Everything is checked before anything is
  /// written: the certificate must chain to the CA (and not be revoked, if a CRL is given), name
  /// `node` in its SAN, and match the key. The node's first change announces its certificate.
  public static func initialize(
    _ directory: URL, node: NodeID, caPEM: Data, certificatePEM: Data, keyPEM: Data, crlPEM: Data?,
    transport: (certificatePEM: Data, keyPEM: Data)? = nil, store: String? = nil, officer: String,
    now: Date = Date()
  ) throws -> NodeHome {
    let fileManager = FileManager.default
    try refuseIfInitialised(directory)
    if let store, let problem = StoreLocation.problem(store) { throw StoreError.storeSetting(problem) }
    let trust = try TrustAnchor(caPEM: caPEM, crlPEM: crlPEM)
    let chain = try Certificate.chain(pem: certificatePEM)
    let key = try PrivateKey(pem: keyPEM)
    try trust.verify(chain: chain, at: now, now: now)
    let named = try chain[0].nodeIdentity()
    guard named == node.rawValue else {
      throw StoreError.certificateNamesAnotherNode(certificateNode: named, requested: node.rawValue)
    }
    guard try key.publicKey().matches(chain[0].publicKey()) else {
      throw StoreError.keyDoesNotMatchCertificate
    }
    guard trust.suite.admits(key.algorithm) else {
      throw StoreError.keyNotOfSuite(key: key.algorithm, federation: trust.suite)
    }
    _ = try TransportIdentity.checked(transport, signingKey: key, node: node, trust: trust, now: now)

    try fileManager.createDirectory(
      at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    var written: [URL] = []
    do {
      func write(_ name: String, _ data: Data, mode: Int = 0o644) throws {
        let url = directory.appendingPathComponent(name)
        try DurableFile.replace(url, with: data, mode: mode)
        written.append(url)
      }
      try write("ca.pem", caPEM)
      if let crlPEM { try write("crl.pem", crlPEM) }
      try write("node.pem", certificatePEM)
      try write("node.key", keyPEM, mode: 0o600)
      if let transport {
        try write(TransportIdentity.certificateFile, transport.certificatePEM)
        try write(TransportIdentity.keyFile, transport.keyPEM, mode: 0o600)
      }
      var configuration = NodeConfiguration(node: node.rawValue)
      configuration.store = store
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      // The configuration is written last: its presence is what marks the folder initialised.
      let home = try NodeHome(directory: directory, configuration: configuration)
      try refuseIfHoldingALog(home.store, at: configuration.storeLocation)
      let announce = DomainOperation(
        objectID: ObjectID(), action: .announceNode(certificateChain: chain.map(\.der)))
      _ = try home.append([announce], audience: .all, officer: officer, now: now)
      // A password in the store's URL is for the node's user alone, as its key is.
      try write(
        configurationFile, try encoder.encode(configuration),
        mode: configuration.storeLocation.carriesPassword ? 0o600 : 0o644)
      return home
    } catch {
      for url in written { try? fileManager.removeItem(at: url) }
      for suffix in ["", "-wal", "-shm"] {
        try? fileManager.removeItem(at: directory.appendingPathComponent("liandong.sqlite\(suffix)"))
      }
      throw error
    }
  }

  /// A hub's database is the node's alone, and a second `serve` process of the same hub shares it
  /// by a copy of the first one's data folder, not by a second `init`: a database that holds
  /// changes already is refused, whoever signed them.
  private static func refuseIfHoldingALog(_ store: any NodeStorage, at location: StoreLocation) throws {
    guard location.isPostgres else { return }
    let origins = try store.versionVector().keys.map(\.rawValue).sorted()
    guard origins.isEmpty else { throw StoreError.storeInUse(location: location.shown, origins: origins) }
  }

  /// Throws `alreadyInitialised` when `directory` holds a node (or the remains of one).
  public static func refuseIfInitialised(_ directory: URL) throws {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: directory.appendingPathComponent(configurationFile).path)
      || fileManager.fileExists(atPath: directory.appendingPathComponent("liandong.sqlite").path)
    {
      throw StoreError.alreadyInitialised(path: directory.path)
    }
  }

  /// Checks every change this node stores against `trust`.
  public var verifier: ChangeVerifier { verifierInForce.withLock { $0 } }
  /// The federation CA and its CRL, as last loaded.
  public var trust: TrustAnchor { verifier.trust }

  /// Puts a newly loaded CA and CRL in force for every later write and check in this process.
  public func installTrust(_ trust: TrustAnchor) throws {
    verifierInForce.withLock { $0 = ChangeVerifier(trust: trust) }
    try store.applyRevocations(trust)
  }

  /// Puts in force the highest set of revocation lists a peer relayed (`crl install` on any
  /// node), if it is newer than this node's and verifies under its CA: written as `crl.pem`, and
  /// used for every later write and check in this process. Returns it when it took one; `serve`
  /// then reloads its TLS contexts. So a node whose operator never copies a CRL still gets each
  /// one before the last expires.
  public func adoptRelayedRevocationLists() throws -> RelayedRevocationLists? {
    guard let found = try Self.newerRelayedTrust(than: trust, store) else { return nil }
    try Self.writeRevocationLists(found.relayed.pem, in: directory)
    try installTrust(found.trust)
    return found.relayed
  }

  /// The highest relayed set that ranks above `trust`'s lists and verifies under its CA (one an
  /// older version stored was never checked, and a forged one must not hide a genuine one).
  static func newerRelayedTrust(than trust: TrustAnchor, _ store: any RevocationRecords) throws
    -> (trust: TrustAnchor, relayed: RelayedRevocationLists)?
  {
    let inForce = RevocationListRank(trust.revocationLists, digest: trust.suite.digest)
    for relayed in try store.relayedRevocationLists() where relayed.rank > inForce {
      guard let lists = try? RevocationList.all(pem: relayed.pem),
        let newer = try? TrustAnchor(authorities: trust.authorities, revocationLists: lists)
      else { continue }
      return (newer, relayed)
    }
    return nil
  }

  /// Replaces `crl.pem` whole (a crash leaves the old file or the new one).
  public static func writeRevocationLists(_ pem: Data, in directory: URL) throws {
    let file = directory.appendingPathComponent("crl.pem")
    do { try pem.write(to: file, options: .atomic) } catch {
      throw StoreError.unwritableFile(path: file.path, reason: SystemError.reason(error))
    }
  }

  /// `ca.pem` and, if the folder has one, `crl.pem`: what the node trusts, read from its files
  /// (at start, and again by a running node on SIGHUP).
  public static func readTrust(_ directory: URL) throws -> TrustAnchor {
    let crlURL = directory.appendingPathComponent("crl.pem")
    return try TrustAnchor(
      caPEM: try readFile(directory.appendingPathComponent("ca.pem")),
      crlPEM: FileManager.default.fileExists(atPath: crlURL.path) ? try readFile(crlURL) : nil)
  }

  /// This node's certificate chain, leaf first.
  public var chain: [Certificate] { identity.withLock { $0.chain } }
  /// Signs this node's changes.
  public var author: ChangeAuthor { identity.withLock { $0.author } }
  /// This node's private key: it signs changes (and TLS handshakes, but in an `sm` federation).
  public var key: PrivateKey { author.key }
  /// What this node opens TLS connections with: its own pair in an `sm` federation, else the
  /// signing one. Throws when an SM2-signing node's `tls.pem` is missing: only what needs TLS
  /// fails, and says which files to put back.
  public func transport() throws -> TransportIdentity {
    if let separateTransport { return separateTransport }
    let signing = identity.withLock { TransportIdentity(chain: $0.chain, key: $0.author.key) }
    guard signing.key.algorithm != .sm2 else {
      throw StoreError.transportCertificate(
        reason:
          "\(directory.path) has no tls.pem and tls.key, and its SM2 key cannot do TLS; put them back from a backup, or copy in the pair liandong-pki issued (NODE.tls.pem, NODE.tls.key)"
      )
    }
    return signing
  }

  private static func loadIdentity(_ directory: URL, node: NodeID) throws -> (
    chain: [Certificate], author: ChangeAuthor
  ) {
    let (chain, key) = try NodeIdentityFiles(directory: directory).load()
    return (chain, ChangeAuthor(origin: node, key: key, certificateFingerprint: chain[0].fingerprint))
  }

  /// Reads `node.pem` and `node.key` again (a running node, after `cert rotate`) and uses them
  /// if `check` accepts the chain; returns the leaf certificate now in use.
  @discardableResult
  public func reloadIdentity(check: ([Certificate]) throws -> Void = { _ in }) throws -> Certificate {
    let next = try Self.loadIdentity(directory, node: node)
    try check(next.chain)
    identity.withLock { $0 = next }
    return next.chain[0]
  }

  /// Several changes, one per element of `changes`, signed and stored in one transaction: all or
  /// none. For bulk writers (benchmarks, generators) that would otherwise pay one sync per change.
  public func recordEach(
    _ changes: [[DomainOperation]], audience: Audience, officer: String, now: Date = Date()
  )
    throws -> [SignedChange]
  {
    try recordEach(prepared: Self.prepare(changes, officer: officer), audience: audience, now: now)
  }

  /// The bodies of changes made by `officer`, encoded and decoded: pure, so a bulk writer can
  /// prepare its next transaction's on another core while this one writes.
  public static func prepare(_ changes: [[DomainOperation]], officer: String) -> [PreparedBody] {
    changes.map { PreparedBody(ChangeBody(officer: officer, operations: $0)) }
  }

  /// `recordEach` with bodies prepared already (`prepare`).
  public func recordEach(
    prepared: [PreparedBody], audience: Audience, now: Date = Date(), keepingRefused: Bool = true
  ) throws -> [SignedChange] {
    if let waiting = try catchUpWaitingFor() {
      throw StoreError.catchUpRequired(node: node.rawValue, waitingFor: waiting)
    }
    if let missing = try ownChangesMissing() { throw StoreError.ownChangesMissing(missing) }
    try refuseIfClockOff(now: now)
    try correctClockIfAhead(now: now)
    return try store.appendLocal(
      prepared.map { ($0, audience) }, author: author, verifier: verifier, physicalMillis: now.unixMillis,
      keepingRefused: keepingRefused)
  }

  /// This node's operator decides which change of a fork of its own chain stands
  /// (`NodeStore.keepOwnFork`), in a checkpoint signed now; not while its peers put its clock
  /// off, since a checkpoint's time is what it proves. If the decision took this node's own
  /// changes out of its log, it hears from every peer before it signs again.
  public func keepOwnFork(_ change: String, now: Date = Date()) throws -> OwnForkChoice {
    try refuseIfClockOff(now: now)
    let choice = try store.keepOwnFork(change, author: author, now: now)
    try catchUpIfChainCut()
    return choice
  }

  /// Signs a checkpoint of what this node holds (`NodeStore.checkpointIfMoved`), unless its peers
  /// put its clock off: a checkpoint's time is what it proves, and one from a clock behind would
  /// witness changes earlier than this node held them.
  @discardableResult
  public func signCheckpointIfMoved(now: Date = Date()) throws -> SignedCheckpoint? {
    do { try refuseIfClockOff(now: now) } catch StoreError.clockOff { return nil }
    return try store.checkpointIfMoved(author: author, now: now, interval: configuration.checkpointSeconds)
  }

  /// Signs a clock correction (`ChainTime`) if this node's own changes were stamped ahead of its
  /// clock and its peers, heard from in the last hour, agree with its clock now: so its clock,
  /// not the stamps, is right. With no fresh reading it cannot tell a clock set right from one set
  /// back, and signs nothing; its next write goes on from its latest stamp.
  @discardableResult
  public func correctClockIfAhead(now: Date = Date()) throws -> ClockCorrection? {
    // Nearly always nothing ran ahead: one read, and no write transaction.
    guard try store.ownLatestStampAhead(nowMillis: now.unixMillis) else { return nil }
    let verdict = ClockAgreement.judge(
      try store.peerClockReadings(), nowMillis: now.unixMillis, maximumDriftMillis: store.maximumDriftMillis)
    // A restored node signs nothing before it has its own latest changes back.
    guard verdict == .agrees, try catchUpWaitingFor() == nil, try ownChangesMissing() == nil else {
      return nil
    }
    return try store.correctClockIfAhead(author: author, verifier: verifier, physicalMillis: now.unixMillis)
  }

  /// Refuses to sign when the peers heard from in the last hour put this node's clock off by more
  /// than the drift they allow (`ClockAgreement`).
  func refuseIfClockOff(now: Date) throws {
    let limit = UInt64(configuration.maximumDriftSeconds) * 1000
    let verdict = ClockAgreement.judge(
      try store.peerClockReadings(), nowMillis: now.unixMillis, maximumDriftMillis: limit)
    if case .off(let ahead, let peers) = verdict {
      throw StoreError.clockOff(
        aheadMillis: ahead, peers: peers, maximumDriftSeconds: configuration.maximumDriftSeconds)
    }
  }

  /// Signs and stores, without the restored-node check (`init` writes the first change before
  /// `node.json` exists).
  private func append(_ operations: [DomainOperation], audience: Audience, officer: String, now: Date) throws
    -> SignedChange
  {
    try store.appendLocal(
      ChangeBody(officer: officer, operations: operations), audience: audience, author: author,
      verifier: verifier,
      physicalMillis: now.unixMillis)
  }

  /// A random UUID (version 4): objects made on a real node need no coordination. An act under
  /// an Idempotency-Key takes its IDs from the key instead, so that a retry makes the same ones
  /// (`IdempotentClaim`).
  public func newObjectID() -> ObjectID { IdempotentClaim.current?.nextObjectID() ?? ObjectID() }

  public static func readFile(_ url: URL) throws -> Data {
    do { return try Data(contentsOf: url) } catch {
      throw StoreError.unreadableFile(path: url.path, reason: SystemError.reason(error))
    }
  }
}

extension Date {
  public var unixMillis: UInt64 { UInt64(max(0, timeIntervalSince1970 * 1000)) }
}
