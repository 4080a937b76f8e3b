import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import Testing

@testable import LiandongStore

/// A node in one process: an in-memory store, its key, and a clock the test controls. It is a
/// `LocalNode`, so the application layer's use cases act through it as through a data folder.
final class SimulatedNode: LocalNode, @unchecked Sendable {
  let id: NodeID
  /// Replaced only by `restore`, as a restored backup replaces a node's database.
  /// Its store, through the roles the application layer takes: SQLite in memory unless the node
  /// was made with another.
  private(set) var store: any NodeStorage
  /// The store as the SQLite store, for what only it has (an online backup, its internals).
  var database: NodeStore {
    guard let database = store as? NodeStore else {
      preconditionFailure("\(id) keeps its store on PostgreSQL: it has no SQLite database")
    }
    return database
  }
  private(set) var author: ChangeAuthor?
  var verifier: ChangeVerifier
  private(set) var chain: [Certificate]
  /// Whose CA issued this node's certificate (and signs the manifests it cites).
  let federation: TestFederation
  var clockMillis: UInt64
  /// Where new object IDs come from: random unless a simulation seeds it, so that a run replays
  /// exactly (views list objects by ID, and random choices among them follow that order).
  var objectIDSource: SeededGenerator? = nil
  /// Evidence files, in a temporary folder made on first use and removed with the node.
  private let blobDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "liandong-blobs-\(UUID().uuidString)")
  lazy var blobs = BlobStore(directory: blobDirectory, index: store)

  /// After a restore: the peers a session must finish with before this node signs anything, as
  /// `NodeHome` keeps them in `node.json` (`caughtUpWith`).
  var catchingUp: Set<NodeID> = []

  deinit { try? FileManager.default.removeItem(at: blobDirectory) }

  /// The store as it is now, copied as `liandong backup` copies it (SQLite's online backup).
  func backup() throws -> NodeStore {
    let copy = try NodeStore(path: nil, node: id)
    try database.writer.backup(to: copy.writer)
    return copy
  }

  /// Puts `backup` in place of the store, as `liandong restore` does: the node may have signed
  /// changes since, so it signs nothing until a session with each of `peers` has finished.
  func restore(_ backup: NodeStore, catchingUpWith peers: [NodeID]) {
    store = backup
    blobs = BlobStore(directory: blobDirectory, index: backup)
    catchingUp = Set(peers)
  }

  var node: NodeID { id }

  /// The application layer over this node, as a front end uses it.
  var app: NodeApp { NodeApp(local: self) }

  /// This node's clock now, without advancing it.
  var wallClock: Date { Date(timeIntervalSince1970: Double(clockMillis) / 1000) }

  /// Advances this node's clock by a millisecond; the time a use case should sign with.
  func tick() -> Date {
    clockMillis += 1
    return Date(timeIntervalSince1970: (Double(clockMillis) + 0.5) / 1000)
  }

  func recordEach(prepared: [PreparedBody], audience: Audience, now: Date, keepingRefused: Bool) throws
    -> [SignedChange]
  {
    try store.appendLocal(
      prepared.map { ($0, audience) }, author: author!, verifier: verifier, physicalMillis: now.unixMillis,
      keepingRefused: keepingRefused)
  }

  func newObjectID() -> ObjectID {
    // As a real node's (`NodeHome.newObjectID`): an act under an Idempotency-Key takes its IDs
    // from the key.
    if let claim = IdempotentClaim.current { return claim.nextObjectID() }
    guard var source = objectIDSource else { return ObjectID() }
    var bytes = Data(capacity: 16)
    for _ in 0..<2 { withUnsafeBytes(of: source.next()) { bytes.append(contentsOf: $0) } }
    objectIDSource = source
    return ObjectID(bytes: bytes)!
  }

  /// A node with keys from `federation`; it records its announcement as change 1. `storage`
  /// opens its store (a hub's PostgreSQL); by default SQLite in memory.
  init(
    _ name: String, federation: TestFederation = .shared, clockMillis: UInt64 = Date().unixMillis,
    trust: TrustAnchor? = nil, objectIDSeed: UInt64? = nil,
    storage: ((NodeID) throws -> any NodeStorage)? = nil
  )
    throws
  {
    objectIDSource = objectIDSeed.map(SeededGenerator.init(seed:))
    id = try NodeID(name)
    store = try storage?(id) ?? NodeStore(path: nil, node: id)
    self.federation = federation
    chain = try federation.chain(name)
    author = ChangeAuthor(
      origin: id, key: try federation.key(name), certificateFingerprint: chain[0].fingerprint)
    verifier = ChangeVerifier(trust: try trust ?? federation.trust())
    self.clockMillis = clockMillis
    let announce = DomainOperation(
      objectID: newObjectID(), action: .announceNode(certificateChain: chain.map(\.der)))
    try record([announce], audience: .all)
  }

  /// A node that only receives (a replica of another node's view, for comparisons).
  init(replicaOf id: NodeID, verifier: ChangeVerifier, clockMillis: UInt64) throws {
    self.id = id
    store = try NodeStore(path: nil, node: id)
    author = nil
    chain = []
    federation = .shared
    self.verifier = verifier
    self.clockMillis = clockMillis
  }

  @discardableResult
  func record(_ operations: [DomainOperation], audience: Audience, officer: String = "officer-1") throws
    -> SignedChange
  {
    clockMillis += 1
    return try store.appendLocal(
      ChangeBody(officer: officer, operations: operations), audience: audience, author: author!,
      verifier: verifier,
      physicalMillis: clockMillis)
  }

  @discardableResult
  func receive(_ changes: [SignedChange]) throws -> [IngestOutcome] {
    try store.ingest(changes, verifier: verifier, physicalMillis: clockMillis)
  }

  /// What a sender gives this node: the body only if this node is in the audience.
  func view(of change: SignedChange) -> SignedChange {
    change.header.audience.includes(id, origin: change.header.origin) ? change : change.stub
  }

  /// This node's fork, as a copy restored from a backup taken after its first lead would make
  /// it: two leads (`first`, then `second`) recorded one per change, and `twin`, another change
  /// at the second lead's sequence. `changes` are all it holds, its announcement first.
  func forkAfterTwoLeads(first: String = "first", second: String = "second") throws -> (
    leads: [ObjectID], changes: [SignedChange], twin: SignedChange
  ) {
    let leads = [try addLead(summary: first), try addLead(summary: second)]
    let changes = try store.changes(after: [:])
    return (leads, changes, try forkedTwin(after: changes[1]))
  }

  /// Another change right after `tip`, signed with this node's key: a fork, as a node restored
  /// from an old backup would make.
  func forkedTwin(after tip: SignedChange) throws -> SignedChange {
    try author!.sign(
      body: ChangeBody(officer: "restored", operations: []), audience: .all,
      after: ChangeAuthor.ChainTip(sequence: tip.header.sequence, id: tip.id),
      time: HLCTimestamp(wallMillis: clockMillis + 10))
  }

  /// `cert rotate`: announces `newChain` in a change signed with the current key, then signs with
  /// `key`. Returns the announcement.
  func rotate(to newChain: [Certificate], key: PrivateKey) throws -> SignedChange {
    let announcement = try record(
      [
        DomainOperation(objectID: newObjectID(), action: .announceNode(certificateChain: newChain.map(\.der)))
      ],
      audience: .all)
    author = ChangeAuthor(origin: id, key: key, certificateFingerprint: newChain[0].fingerprint)
    chain = newChain
    return announcement
  }

  /// Creates a subject and a lead about it in one change; returns the lead's ID.
  @discardableResult
  func addLead(
    summary: String = "sells one-day reports", audience: Audience = .all, uscc: String? = nil,
    subjectName: String = "某检测服务店"
  ) throws -> ObjectID {
    let subjectID = newObjectID()
    let leadID = newObjectID()
    try record(
      [
        DomainOperation(
          objectID: subjectID,
          action: .createSubject(SubjectRecord(kind: .shop, name: subjectName, uscc: uscc))),
        DomainOperation(
          objectID: leadID,
          action: .createLead(
            LeadFields(violations: [.forgedReport], subjectIDs: [subjectID], summary: summary))),
      ], audience: audience)
    return leadID
  }
}

extension SimulatedNode {
  /// Stores `content` as an evidence file and records it, attached to `item`; returns its address.
  @discardableResult
  func addEvidence(_ content: Data, to item: ObjectID, audience: Audience?) throws -> Data {
    let folder = temporaryDirectory("evidence")
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("screenshot.png")
    try content.write(to: file)
    let draft = EvidenceRecord(
      itemID: item, category: .electronicData, howFixed: .screenshot, fileName: "screenshot.png",
      mediaType: "image/png", size: 0, sha256: Data(count: 32))
    do {
      _ = try app.addEvidence(
        to: item, file: file, record: draft, audience: audience, by: Officer("officer-1"), now: tick())
    } catch is ActRefused {
      // The rules refused it and nothing was signed; the random workload tries acts that may be refused.
    }
    return SHA256.hash(content)
  }
}

extension SimulatedNode {
  /// Sends `peer` an assistance request; returns its ID.
  @discardableResult
  func sendRequest(to peer: NodeID, caseReference: String = "京市监案〔2026〕17号") throws -> ObjectID {
    let id = newObjectID()
    try record(
      [
        DomainOperation(
          objectID: id,
          action: .createRequest(
            AssistanceRequestRecord(
              requested: peer, caseReference: caseReference, legalBasis: "Penalty Procedure Rules, Art. 45",
              tasks: [.verifyRegistration, .obtainRecords])))
      ], audience: .nodes([peer]))
    return id
  }

  /// Acts on a request as this node currently sees it (its head is the basis), sharing the act
  /// with the other party.
  @discardableResult
  func act(_ act: RequestAct, on id: ObjectID) throws -> SignedChange {
    let request = try store.request(id.description)
    let other = request.map { $0.requester == self.id.rawValue ? $0.requested : $0.requester }
    return try record(
      [
        DomainOperation(
          objectID: id, action: .actOnRequest(act, basis: try request.map { try OperationRef($0.head) }))
      ], audience: .nodes(Set([try NodeID(other ?? self.id.rawValue)])))
  }
}

extension SimulatedNode {
  /// A hand-off act on a case this node can see, shared with both bureaus and the lead's audience,
  /// naming as its basis the last hand-off act this node has seen (as the command line does).
  @discardableResult
  func handOff(_ act: HandOffAct, on lead: ObjectID) throws -> SignedChange {
    let view = try store.lead(lead.description)
    let audience = try view.map { try ActAudience.onHandOff($0, act, by: id) } ?? .all
    let basis = act.answersBasis ? try view?.handOffHead.map(OperationRef.init) : nil
    return try record(
      [DomainOperation(objectID: lead, action: .handOff(act, basis: basis))], audience: audience)
  }

  /// An offer of `lead` (as this node sees it) to `to`.
  func offer(_ lead: ObjectID, to: NodeID) throws -> HandOffAct {
    let view = try #require(try store.lead(lead.description))
    return .offer(
      to: to, letter: "the seller operates in \(to)'s region", evidenceIDs: [],
      origin: try NodeID(view.origin),
      snapshot: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: view.summary))
  }
}

/// Moves every change each node holds to every other (stubs outside the audience), twice, so
/// that acts relayed through a third node arrive too.
func exchange(_ nodes: SimulatedNode...) throws { try exchange(nodes) }

func exchange(_ nodes: [SimulatedNode]) throws {
  for _ in 0..<2 {
    for source in nodes {
      for destination in nodes where destination !== source {
        try destination.receive(try source.store.changes(after: [:]).map(destination.view))
      }
    }
  }
}

extension SimulatedNode {
  /// Makes every node a peer of every other, as operators do before their regions share
  /// anything: acts may name only the nodes a node knows (`NodeApp.knownNodes`).
  static func acquaint(_ nodes: [SimulatedNode]) throws {
    for node in nodes {
      for other in nodes where other.id != node.id { try node.store.addPeer(other.id, address: "simulated") }
    }
  }
}

/// Bytes that do not compress and differ per seed.
func randomBytes(_ count: Int, seed: UInt64) -> Data {
  var generator = SeededGenerator(seed: seed)
  var data = Data(capacity: count + 8)
  while data.count < count { withUnsafeBytes(of: generator.next()) { data.append(contentsOf: $0) } }
  return data.prefix(count)
}

/// SplitMix64: small, fast, and the same sequence on every platform for a given seed.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A property test's seed: `$LIANDONG_SEED` when set (to replay a failure), else a random one;
/// printed either way, so that a failure can be replayed.
func replayableSeed(_ test: String) -> UInt64 {
  let seed =
    ProcessInfo.processInfo.environment["LIANDONG_SEED"].flatMap(UInt64.init)
    ?? UInt64.random(in: 0...UInt64.max)
  print("\(test) seed: \(seed) (replay with LIANDONG_SEED=\(seed))")
  return seed
}
