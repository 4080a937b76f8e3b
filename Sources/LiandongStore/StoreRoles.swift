import Foundation
import LiandongCore
import LiandongCrypto

/// The store's roles, as the rest of the node sees them. `NodeStore` (SQLite through GRDB) is
/// one implementation; a hub's PostgreSQL store (`PostgresStore`) is another, held to the same
/// behaviour (`Tests/LiandongTests/StoreConformanceTests.swift`, `SQLRoleBehaviour.swift`); the
/// change log's writes (`LogWritingStore`) and the read models (`extension ReadModels where
/// Self: SQLBackedStore`) are one implementation for both. Nothing above the store names SQL.

/// The signed change log: appends, in each origin's order, with every change verified by one
/// pure decision; what is held, by origin and sequence (`ChangeLogReads`); forks and the proof
/// of them.
public protocol ChangeLog: ChangeLogReads {
  /// The node whose log this is: the receiver every change is verified for.
  var node: NodeID { get }
  /// How far ahead of this node's clock a change's time may be before it waits (`node.json`).
  var maximumDriftMillis: UInt64 { get }
  func setMaximumDrift(millis: UInt64)
  /// Hashes the digests with `suite`'s hash: its federation's (SHA-256 until told).
  func useSuite(_ suite: CryptoSuite)
  /// Signs and stores this node's next changes, each as one change, in one transaction; with
  /// `keepingRefused` false, a refused operation rolls it back and throws `OperationsRefused`.
  func appendLocal(
    _ changes: [(body: PreparedBody, audience: Audience)], author: ChangeAuthor, verifier: ChangeVerifier,
    physicalMillis: UInt64, keepingRefused: Bool
  ) throws -> [SignedChange]
  /// Verifies and stores changes from peers or files, in one transaction; what became of each.
  func ingest(
    _ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64,
    signaturesChecked: SignatureChecks?,
    bodies: [PreparedBody?]?
  ) throws -> [IngestOutcome]
  func log() throws -> [ChangeSummary]
  func forks() throws -> [ForkView]
  /// Every stored change re-verified.
  func audit(verifier: ChangeVerifier, physicalMillis: UInt64) throws -> AuditReport
  func announcedCertificates(of origin: NodeID, current: Data?) throws -> [AnnouncedCertificateView]
  func latestChangeTime() throws -> HLCTimestamp
  func checkSignaturesAhead(_ changes: [SignedChange], announced: inout AnnouncedSigners) -> SignatureChecks
  func checkSignaturesAhead(_ changes: [SignedChange]) -> SignatureChecks
}

/// The projections folded from the log, read as views; `rebuild` replays the log into them.
public protocol ReadModels: Sendable {
  func leads() throws -> [LeadView]
  /// The leads that may have work open on them (the worklist's and the due list's), oldest first.
  func leadsWithOpenWork() throws -> [LeadView]
  /// The open leads an early warning can pair: those on subjects' keys two origins have used,
  /// and those `warned` names (the warnings' leads), oldest first.
  func leadsForAlerts(alsoNaming warned: [String]) throws -> [LeadView]
  /// The leads `bureau` created, acknowledged or changed its handling of on `days` (in China),
  /// oldest first: what a campaign report over those days counts, and more.
  func leads(touchedBy bureau: String, on days: ClosedRange<CivilDate>) throws -> [LeadView]
  /// The newest leads matching `filter` created before lead `afterID`, at most `limit`; nil when
  /// `afterID` names no lead held.
  func leadPage(_ filter: LeadFilter, after afterID: String?, limit: Int) throws -> [LeadView]?
  func lead(_ id: String) throws -> LeadView?
  func existingLeads(among ids: [String]) throws -> Set<String>
  /// Objects this node holds operations of whose ID starts with `hexPrefix` (lower-case hex,
  /// no dashes), at most `limit`: a person types the first characters, as of a Git commit.
  func objectIDs(startingWith hexPrefix: String, limit: Int) throws -> [ObjectID]
  func evidence(item: String?) throws -> [EvidenceView]
  func evidence(id: String) throws -> EvidenceView?
  func evidenceShare(id: String) throws -> EvidenceShare?
  func requests() throws -> [RequestView]
  /// The requests made of `bureau` last changed on `days` (in China), oldest first.
  func requests(madeOf bureau: String, changedOn days: ClosedRange<CivilDate>) throws -> [RequestView]
  func request(_ id: String) throws -> RequestView?
  func policeTransfers() throws -> [PoliceTransferView]
  func policeTransfer(_ id: String) throws -> PoliceTransferView?
  func warnings() throws -> [WarningView]
  func history(of object: ObjectID) throws -> [HistoryEntry]
  func conflicts() throws -> [ConflictView]
  /// Operations the reducers refused: all, or those of some changes.
  func refusals() throws -> [OperationRefusal]
  func refusals(of changes: [ChangeID]) throws -> [OperationRefusal]
  func currentManifest() throws -> (view: ManifestView, signed: SignedManifest)?
  func status() throws -> StatusView
  /// Over every projection: two stores holding the same changes give the same digest.
  func projectionDigest() throws -> String
  func rebuild() throws
}

/// What sync sessions showed of each peer, kept to say later why a change has or has not reached
/// it (`Reach`); and the log in the order this node stored it, for readers that follow it (the
/// API's event stream).
public protocol SyncRecords: Sendable {
  func recordSyncSession(_ record: SyncSessionRecord) throws
  /// Per node, how many changes it refused in sync sessions and has not accepted since, by code.
  func refusalsByPeers() throws -> [String: [String: Int]]
  func reachFacts(of changes: [ChangeID], at node: NodeID, configuredPeer: Bool) throws -> [ChangeID:
    ReachFacts]
  func arrivals(after position: Int64, limit: Int) throws -> [(position: Int64, change: SignedChange)]
  func lastArrival() throws -> Int64
}

/// Checkpoints (`Checkpoint`): this node's own, signed when what it holds has moved, and every
/// other node's a peer passed on that checks; what they prove held, and since when.
public protocol CheckpointRecords: Sendable {
  func checkpointMarks() throws -> [NodeID: UInt64]
  func checkpoints(after marks: [NodeID: UInt64], limit: Int) throws -> [SignedCheckpoint]
  @discardableResult
  func keep(_ checkpoints: [SignedCheckpoint], trust: TrustAnchor, now: Date) throws -> (
    kept: Int, problems: [CheckpointProblem]
  )
  @discardableResult
  func checkpointIfMoved(author: ChangeAuthor, now: Date, interval: TimeInterval) throws -> SignedCheckpoint?
  func checkpointCount() throws -> Int
  func latestCheckpoint(of signer: NodeID) throws -> SignedCheckpoint?
  func witnesses(of change: ChangeID) throws -> [Witness]
  func ownChainBeyond() throws -> OwnChainBeyond?
  func receiptProofs(of changes: [SignedChange]) throws -> [ReceiptProof]
  func receipt(of object: ObjectID, by node: NodeID) throws -> Date?
}

/// Change bodies found damaged on this node's disk, set aside until a peer sends a good copy.
public protocol DamagedBodies: Sendable {
  @discardableResult
  func setAsideDamagedBodies(_ candidates: [ChangeID]) throws -> [ChangeID]
  func awaitedDamagedBodies() throws -> [AuditFailure]
}

/// The federation CA's revocation lists applied to the log (`RevocationRule`): when each
/// certificate held is revoked, the changes withheld for it, and the lists changes relayed.
public protocol RevocationRecords: Sendable {
  @discardableResult
  func applyRevocations(_ trust: TrustAnchor) throws -> Bool
  func previewRevocations(_ trust: TrustAnchor) throws -> RevocationPreview
  func withheld(touching object: ObjectID) throws -> WithheldChangeView?
  func relayedRevocationLists() throws -> [RelayedRevocationLists]
  /// The changes withheld, with why, in log order.
  func withheldChanges() throws -> [WithheldChangeView]
}

/// The log's time against this node's clock (`ChainTime`): changes withheld while stamped ahead,
/// released as the clock reaches them; this node's own stamps run ahead, and its correction.
public protocol ChainClock: Sendable {
  @discardableResult
  func releaseChangesDue(nowMillis: UInt64) throws -> Int
  func ownLatestStampAhead(nowMillis: UInt64) throws -> Bool
  func correctClockIfAhead(author: ChangeAuthor, verifier: ChangeVerifier, physicalMillis: UInt64) throws
    -> ClockCorrection?
}

/// This node's operator deciding forks of its own chain, and what a decision cut from it.
public protocol OwnForks: Sendable {
  func ownChainCut() throws -> Bool
  func clearOwnChainCut() throws
  func keepOwnFork(_ change: String, author: ChangeAuthor, now: Date) throws -> OwnForkChoice
}

/// Everything a node keeps, in one backend.
public typealias NodeStorage = AccountDirectory & BlobIndex & ChangeLog & PeerDirectory & ReadModels
  & SyncRecords & CheckpointRecords & DamagedBodies & RevocationRecords & ChainClock & OwnForks

extension NodeStore: ChangeLog, ReadModels, PeerDirectory, SuiteHashing, SyncRecords, CheckpointRecords,
  LogBackedStore, DamagedBodies, RevocationRecords, ChainClock, OwnForks
{
  public var logWriter: SealedLogWriter { SealedLogWriter(store: self) }
}

extension PostgresStore: ChangeLog, ReadModels, SyncRecords, CheckpointRecords, LogBackedStore, DamagedBodies,
  RevocationRecords, ChainClock, OwnForks
{
  public var logWriter: SealedLogWriter { SealedLogWriter(store: self) }
}

/// The roles' common shorthands, for every store alike.
extension ChangeLog {
  /// Records changes made on this node, a refused operation kept with its refusal.
  public func appendLocal(
    _ changes: [(body: PreparedBody, audience: Audience)], author: ChangeAuthor, verifier: ChangeVerifier,
    physicalMillis: UInt64
  ) throws -> [SignedChange] {
    try appendLocal(
      changes, author: author, verifier: verifier, physicalMillis: physicalMillis, keepingRefused: true)
  }

  /// Records one change made on this node.
  public func appendLocal(
    _ body: ChangeBody, audience: Audience, author: ChangeAuthor, verifier: ChangeVerifier,
    physicalMillis: UInt64
  ) throws -> SignedChange {
    try appendLocal(
      [(PreparedBody(body), audience)], author: author, verifier: verifier, physicalMillis: physicalMillis)[0]
  }

  /// Verifies and stores changes, their signatures checked and their bodies decoded here.
  public func ingest(_ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64) throws
    -> [IngestOutcome]
  {
    try ingest(
      changes, verifier: verifier, physicalMillis: physicalMillis, signaturesChecked: nil, bodies: nil)
  }

  /// `ingest`, the signatures vouched for by a check made ahead.
  public func ingest(
    _ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64,
    signaturesChecked: SignatureChecks?
  ) throws -> [IngestOutcome] {
    try ingest(
      changes, verifier: verifier, physicalMillis: physicalMillis, signaturesChecked: signaturesChecked,
      bodies: nil)
  }

  /// `ingest` of bodies decoded ahead.
  public func ingest(
    _ changes: [SignedChange], verifier: ChangeVerifier, physicalMillis: UInt64, bodies: [PreparedBody?]?
  ) throws -> [IngestOutcome] {
    try ingest(
      changes, verifier: verifier, physicalMillis: physicalMillis, signaturesChecked: nil, bodies: bodies)
  }

  public func announcedCertificates(of origin: NodeID) throws -> [AnnouncedCertificateView] {
    try announcedCertificates(of: origin, current: nil)
  }
}

extension ReadModels {
  /// Every evidence item this node can read.
  public func evidence() throws -> [EvidenceView] { try evidence(item: nil) }
}

extension ChainClock {
  /// `releaseChangesDue` by this node's clock now.
  @discardableResult
  public func releaseChangesDue() throws -> Int { try releaseChangesDue(nowMillis: Date().unixMillis) }
}
