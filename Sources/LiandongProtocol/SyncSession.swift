import Foundation
import LiandongCore
import LiandongCrypto

/// One sync session with one peer, both directions at once, as a pure state machine: frames and
/// results go in, actions come out. The driver performs the actions (send a frame, load the next
/// batch from the store, commit a received batch) and feeds the results back. Nothing here
/// touches a socket or a database, so every path is testable frame by frame.
///
/// Each side sends Hello with its version vector, then streams what the other lacks in batches,
/// up to `batchWindow` outstanding when the peer offers `batchWindowCapability` (one otherwise),
/// and Done when all its batches are acknowledged. A batch is acknowledged only after it is
/// committed, and batches are committed in order, so the receiver's version vector is its durable
/// cursor: a new session resumes from it, and re-delivery has no effect. The window lets the
/// sender read and send the next batches, and the receiver check their signatures, while the
/// receiver commits the previous one.
///
/// Once the peer's Done has arrived (every change it will send is stored), each side fetches
/// the evidence blobs it lacks, one request at a time, then sends FetchDone. Requests from the
/// peer are served whenever they arrive.
public struct SyncSession: Sendable {
  public static let protocolVersion: UInt32 = 1
  /// The most batches a node lets a peer have sent but not yet acknowledged, and offers in Hello.
  public static let batchWindow = 4
  /// Announced in Hello: "send me up to `batchWindow` batches before waiting for an ack".
  public static let batchWindowCapability = "batch-window-4"
  /// Announced in Hello by a node that only checks it can reach and trust this one, and reads its
  /// clock (`liandong doctor`): the session ends at once, finished, with nothing exchanged.
  public static let probeCapability = "probe"
  /// Announced in Hello by a node that keeps checkpoints (`Checkpoint`): its Hello marks the
  /// newest it holds per signer, and each side sends the other the newer ones just before Done.
  public static let checkpointsCapability = "checkpoints"
  /// The most checkpoints one session sends, and the most bytes of them (a checkpoint names
  /// every origin, so a federation of thousands of nodes has large ones): the rest follow in the
  /// next session, well inside the frame limit.
  public static let maximumCheckpointsPerFrame = 512
  public static let maximumCheckpointBytes = 4 << 20
  /// About how many bytes of changes a batch carries unless the operator says otherwise. The
  /// receiver commits a batch in one transaction, and object IDs are random, so a transaction
  /// rewrites index pages all over the store whatever its size: fewer, larger transactions
  /// write fewer pages per change. 1.5 MiB rather than 1 MiB: B1 13,697 -> 14,185 changes per
  /// second (2 MiB: 14,203; 4 MiB: slower, the pipeline of checking and committing grows too
  /// coarse), 2.4% less CPU on the receiver. Not 2 MiB: it raised the peak of a node catching up
  /// with a million changes (B5) from 136 to 177 MiB, near the 200 MB goal, for no more speed.
  public static let defaultBatchBytes = 3 << 19

  public enum Action: Equatable, Sendable {
    case send(SyncFrame)
    /// Load up to `maximumBytes` of the changes after `vector`, in sequence order per origin,
    /// and pass them to `loaded`.
    case load(after: [NodeID: UInt64], maximumBytes: Int)
    /// Load our changes at these origins and sequences and pass those whose ID is not the peer's
    /// head there (a fork) to `inspected`.
    case inspect([ForkProbe])
    /// Verify and commit these changes in one transaction, then call `stored`. Several batches
    /// may be waiting: commit them in the order they were asked for.
    case store(batch: UInt64, changes: [SignedChange])
    /// Load the changes with these IDs that we hold with their bodies, and pass them to
    /// `loadedBodies`: the peer holds their stubs and may read them.
    case loadBodies([ChangeID])
    /// List the blobs we lack and pass them to `missingBlobs`.
    case listMissingBlobs
    /// Open (or resume) the partial file of this blob, then call `blobOpened` with where it
    /// ends (or `blobBusy` if another session holds it).
    case beginBlob(BlobNeed)
    /// Append a chunk to the open blob; after the last, check its hash and call `blobFinished`.
    case writeBlob(sha256: Data, offset: UInt64, data: Data, last: Bool)
    /// The peer refused the blob: keep what is durable for another time.
    case suspendBlob(sha256: Data)
    /// The peer asks for a blob: serve it if the peer is entitled to it, or refuse it.
    case serveBlob(sha256: Data, offset: UInt64)
    /// Load the checkpoints signed after these marks (per signer), oldest first, at most
    /// `limit`, and pass them to `loadedCheckpoints`.
    case loadCheckpoints(after: [NodeID: UInt64], limit: Int)
    /// Check and keep the checkpoints the peer passed on (those that do not check are dropped).
    case storeCheckpoints([SignedCheckpoint])
    case finish(SyncSummary)
    case fail(ProtocolError)
  }

  enum State: String, Sendable {
    case new, awaitingHello = "awaiting hello", exchanging, finished, failed
  }

  public let local: NodeID
  /// The node the TLS handshake authenticated.
  public let peer: NodeID
  public let maximumBatchBytes: Int
  private let localVector: [NodeID: UInt64]
  private let localHeads: [NodeID: ChangeID]
  private let wantedBodies: [ChangeID]
  /// Both signed headers of every fork this node knows of: passed on to each peer that holds the
  /// forked sequence, so that a fork spreads through the federation.
  private let knownForkProofs: [SignedChange]
  /// Sent before anything else: our changes that conflict with the peer's heads (the proof of a
  /// fork), then bodies the peer asked for.
  private var forkEvidence: [SignedChange] = []
  private var requestedBodies: [SignedChange] = []
  private(set) var state = State.new
  private let checkpointMarks: [NodeID: UInt64]
  /// Checkpoints the peer lacks, sent just before Done: nil until loaded, and for a peer that
  /// does not take them.
  private var checkpointsToSend: [SignedCheckpoint]? = nil
  private var peerTakesCheckpoints = false

  // Outgoing: what has been sent, the batches awaiting acknowledgement with the cursor each
  // brings the peer to, how many may be, whether the store has nothing more, whether Done went out.
  private var sendCursor: [NodeID: UInt64] = [:]
  private var loading = false
  /// The next batch, loaded while the window was full: sent the moment an ack frees a place,
  /// instead of the peer waiting for the store to be read after each ack (which left B1's
  /// receiver idle between batches: 40-120 ms after each ack before the next batch arrived).
  private var prepared: [SignedChange]? = nil
  private var outstanding: [(number: UInt64, through: [NodeID: UInt64])] = []
  private var sendWindow = 1
  private var exhausted = false
  private var nextBatch: UInt64 = 1
  private var sentDone = false
  // Incoming: the batch due next, those being committed (oldest first), whether the peer is done.
  private var expectedBatch: UInt64 = 1
  private var storing: [UInt64] = []
  private var receivedDone = false
  // Blobs we fetch: those still to ask for (nil until listed), the one in flight and where its
  // next chunk must start; whether FetchDone went out or came in.
  private var blobQueue: [BlobNeed]? = nil
  private var fetching: BlobNeed? = nil
  private var sentFetchDone = false
  private var receivedFetchDone = false
  public private(set) var summary: SyncSummary
  /// This node's clock when the session began, told to the peer in Hello.
  private let clockMillis: UInt64?
  /// Per origin, how far the peer has acknowledged (committed) what this side sent.
  public private(set) var acknowledgedThrough: [NodeID: UInt64] = [:]
  /// What the peer said in its Hello it holds, per origin (nil before its Hello).
  public private(set) var peerHeld: [NodeID: UInt64]? = nil
  /// Per origin, how far this side has sent in a batch, acknowledged or not.
  public private(set) var sentThrough: [NodeID: UInt64] = [:]
  /// The changes the peer refused in this session, with why (at most `maximumRefusalsKept`).
  public private(set) var refusedByPeer: [RefusedChange] = []
  /// A peer refusing everything cannot make a session hold more than this.
  public static let maximumRefusalsKept = 10_000

  public init(
    local: NodeID, peer: NodeID, vector: [NodeID: UInt64], heads: [NodeID: ChangeID] = [:],
    wantedBodies: [ChangeID] = [], forkProofs: [SignedChange] = [],
    maximumBatchBytes: Int = SyncSession.defaultBatchBytes, clockMillis: UInt64? = nil,
    checkpointMarks: [NodeID: UInt64] = [:]
  ) {
    self.clockMillis = clockMillis
    self.checkpointMarks = checkpointMarks
    self.local = local
    self.peer = peer
    self.localVector = vector
    self.localHeads = heads
    self.wantedBodies = Array(wantedBodies.prefix(SyncHello.maximumWantedBodies))
    self.knownForkProofs = forkProofs.map(\.stub)
    self.maximumBatchBytes = maximumBatchBytes
    summary = SyncSummary(peer: peer.rawValue)
  }

  public var isOver: Bool { state == .finished || state == .failed }

  public mutating func start() -> [Action] {
    guard state == .new else { return [] }
    state = .awaitingHello
    return [
      .send(
        .hello(
          SyncHello(
            node: local.rawValue, vector: localVector, heads: localHeads, wantedBodies: wantedBodies,
            capabilities: [Self.batchWindowCapability, Self.checkpointsCapability], clockMillis: clockMillis,
            checkpointMarks: checkpointMarks))
      )
    ]
  }

  public mutating func receive(_ frame: SyncFrame) -> [Action] {
    if isOver { return [] }
    switch (state, frame) {
    case (.awaitingHello, .hello(let hello)):
      guard hello.protocolVersion == Self.protocolVersion else {
        return fail(.unsupportedVersion(theirs: hello.protocolVersion, ours: Self.protocolVersion))
      }
      guard hello.node == peer.rawValue else {
        return fail(.wrongNode(claimed: hello.node, authenticated: peer.rawValue))
      }
      guard !hello.capabilities.contains(Self.probeCapability) else {
        state = .finished
        summary.probe = true
        return [.finish(summary)]
      }
      state = .exchanging
      sendCursor = hello.vector
      peerHeld = hello.vector
      sendWindow = hello.capabilities.contains(Self.batchWindowCapability) ? Self.batchWindow : 1
      loading = true
      // Where the peer's head is at a sequence we hold, it must be our change there: if not, the
      // origin forked, and our change at that sequence is the proof the peer needs.
      let probes = hello.heads.compactMap { origin, head -> ForkProbe? in
        guard let sequence = hello.vector[origin], sequence <= localVector[origin] ?? 0,
          !(sequence == localVector[origin] && head == localHeads[origin])
        else { return nil }
        return ForkProbe(origin: origin, sequence: sequence, peerHead: head)
      }.sorted { $0.origin < $1.origin }
      // Proofs of forks found earlier go to a peer that holds the forked sequence: it holds one of
      // the two changes, and the other shows it the fork. A peer not that far yet gets them once
      // it is (sent now, the other change could become its own chain).
      forkEvidence = knownForkProofs.filter { $0.header.sequence <= hello.vector[$0.header.origin] ?? 0 }
      peerTakesCheckpoints = hello.capabilities.contains(Self.checkpointsCapability)
      let checkpoints: [Action] =
        peerTakesCheckpoints
        ? [.loadCheckpoints(after: hello.checkpointMarks, limit: Self.maximumCheckpointsPerFrame)] : []
      return checkpoints + (probes.isEmpty ? [] : [.inspect(probes)])
        + (hello.wantedBodies.isEmpty ? [] : [.loadBodies(hello.wantedBodies)]) + [
          .load(after: sendCursor, maximumBytes: maximumBatchBytes)
        ]
    case (.exchanging, .batch(let number, let changes)):
      guard storing.count < Self.batchWindow, !receivedDone else {
        return fail(.unexpectedFrame(frame: frame.name, state: describe))
      }
      guard number == expectedBatch else {
        return fail(.batchOutOfOrder(expected: expectedBatch, received: number))
      }
      storing.append(number)
      expectedBatch += 1
      summary.batchesReceived += 1
      return [.store(batch: number, changes: changes)]
    case (.exchanging, .ack(let ack)):
      guard let oldest = outstanding.first, ack.number == oldest.number else {
        return fail(.unexpectedFrame(frame: "BatchAck \(ack.number)", state: describe))
      }
      outstanding.removeFirst()
      // Batches are committed in order, so the peer holds everything up to this batch's cursor.
      acknowledgedThrough = oldest.through
      summary.peerRefused += ack.refusals.count
      summary.peerRefusals += ack.refusals.filter { !$0.isEmpty }.prefix(20 - summary.peerRefusals.count)
      refusedByPeer += ack.refusedChanges.prefix(Self.maximumRefusalsKept - refusedByPeer.count)
      var actions: [Action] = []
      if let ready = prepared {
        prepared = nil
        actions.append(send(ready))
      }
      return actions + loadIfRoom() + sendDoneIfAcknowledged()
    case (.exchanging, .done):
      guard !receivedDone, storing.isEmpty else {
        return fail(.unexpectedFrame(frame: frame.name, state: describe))
      }
      receivedDone = true
      // Every change the peer sends in this session is stored: now we know which blobs we lack.
      return [.listMissingBlobs]
    case (.exchanging, .blobChunk(let sha256, let offset, let data, let last)):
      guard let need = fetching, need.sha256 == sha256 else {
        return fail(.unexpectedFrame(frame: "BlobChunk for a blob not requested", state: describe))
      }
      guard offset == need.offset else {
        return fail(.badBlob(reason: "a chunk at offset \(offset) where \(need.offset) was due"))
      }
      guard need.offset + UInt64(data.count) <= need.size else {
        return fail(
          .badBlob(
            reason:
              "blob \(sha256.hex.prefix(12)) runs past the \(need.size) bytes its evidence record gives"))
      }
      fetching?.offset += UInt64(data.count)
      summary.blobBytesReceived += data.count
      return [.writeBlob(sha256: sha256, offset: offset, data: data, last: last)]
    case (.exchanging, .blobRefused(let sha256, let code, let message)):
      guard let need = fetching, need.sha256 == sha256 else {
        return fail(.unexpectedFrame(frame: "BlobRefused for a blob not requested", state: describe))
      }
      fetching = nil
      summary.blobsRefused.append("\(code): \(message)")
      return [.suspendBlob(sha256: sha256)] + requestNextBlob()
    case (.exchanging, .blobRequest(let sha256, let offset)):
      guard !receivedFetchDone else {
        return fail(.unexpectedFrame(frame: "BlobRequest after FetchDone", state: describe))
      }
      return [.serveBlob(sha256: sha256, offset: offset)]
    case (.exchanging, .checkpoints(let checkpoints)):
      guard !receivedDone else { return fail(.unexpectedFrame(frame: frame.name, state: describe)) }
      summary.checkpointsReceived += checkpoints.count
      return checkpoints.isEmpty ? [] : [.storeCheckpoints(checkpoints)]
    case (.exchanging, .fetchDone):
      guard !receivedFetchDone else { return fail(.unexpectedFrame(frame: frame.name, state: describe)) }
      receivedFetchDone = true
      return finishIfComplete()
    case (_, .failure(let code, let message)):
      state = .failed
      return [.fail(.peerFailed(code: code, message: message))]
    default:
      return fail(.unexpectedFrame(frame: frame.name, state: describe))
    }
  }

  /// The driver found these of our changes conflicting with the peer's heads.
  public mutating func inspected(_ conflicting: [SignedChange]) {
    guard state == .exchanging else { return }
    forkEvidence += conflicting.map(\.stub)
  }

  /// The driver loaded the bodies the peer asked for (those we hold). Only those the peer may read
  /// are sent.
  public mutating func loadedBodies(_ changes: [SignedChange]) {
    guard state == .exchanging else { return }
    let readable = changes.filter {
      !$0.isStub && $0.header.audience.includes(peer, origin: $0.header.origin)
    }
    requestedBodies += readable
    summary.bodiesRefused += changes.count - readable.count
  }

  /// The driver loaded the checkpoints the peer lacks; they go just before Done.
  public mutating func loadedCheckpoints(_ checkpoints: [SignedCheckpoint]) -> [Action] {
    guard state == .exchanging, peerTakesCheckpoints, checkpointsToSend == nil else { return [] }
    var bytes = 0
    checkpointsToSend = Array(
      checkpoints.prefix(Self.maximumCheckpointsPerFrame).prefix { checkpoint in
        bytes += checkpoint.bytes.count + checkpoint.signature.count
        return bytes <= Self.maximumCheckpointBytes
      })
    return sendDoneIfAcknowledged()
  }

  /// The driver loaded what `load` asked for. An empty result means nothing more to send.
  public mutating func loaded(_ loadedChanges: [SignedChange]) -> [Action] {
    guard state == .exchanging, loading else { return [] }
    loading = false
    // Fork evidence goes first: the signed header (a stub) is the proof.
    let changes = forkEvidence + requestedBodies + loadedChanges
    summary.forkEvidenceSent += forkEvidence.count
    summary.bodiesSent += requestedBodies.count
    forkEvidence = []
    requestedBodies = []
    guard !changes.isEmpty else {
      exhausted = true
      return sendDoneIfAcknowledged()
    }
    guard outstanding.count < sendWindow else {
      prepared = changes
      return []
    }
    return [send(changes)] + loadIfRoom()
  }

  /// Numbers a batch, advances the cursor past it, and turns bodies the peer may not read into
  /// stubs.
  private mutating func send(_ changes: [SignedChange]) -> Action {
    let number = nextBatch
    nextBatch += 1
    var outgoing: [SignedChange] = []
    for change in changes {
      let header = change.header
      sendCursor[header.origin] = max(sendCursor[header.origin] ?? 0, header.sequence)
      sentThrough[header.origin] = max(sentThrough[header.origin] ?? 0, header.sequence)
      // A body goes only to a node in the change's audience; everyone else gets the stub.
      let entitled = header.audience.includes(peer, origin: header.origin)
      outgoing.append(entitled ? change : change.stub)
      if entitled && !change.isStub { summary.changesSent += 1 } else { summary.stubsSent += 1 }
    }
    summary.batchesSent += 1
    outstanding.append((number, sendCursor))
    return .send(.batch(number: number, changes: outgoing))
  }

  /// Asks for the next batch while the window has room, or has none and no batch is waiting
  /// for it, and the store may hold more.
  private mutating func loadIfRoom() -> [Action] {
    guard !exhausted, !loading, !sentDone, prepared == nil, outstanding.count <= sendWindow else { return [] }
    loading = true
    return [.load(after: sendCursor, maximumBytes: maximumBatchBytes)]
  }

  /// Done goes out once nothing more is to be sent and every batch is acknowledged.
  private mutating func sendDoneIfAcknowledged() -> [Action] {
    guard exhausted, outstanding.isEmpty, !loading, prepared == nil, !sentDone else { return [] }
    // A peer that takes checkpoints gets them before Done, once they are loaded.
    if peerTakesCheckpoints && checkpointsToSend == nil { return [] }
    sentDone = true
    let checkpoints = checkpointsToSend ?? []
    summary.checkpointsSent += checkpoints.count
    return (checkpoints.isEmpty ? [] : [.send(.checkpoints(checkpoints))]) + [.send(.done)]
      + finishIfComplete()
  }

  /// The driver committed (or refused) a received batch; it is acknowledged now, not before.
  /// `refusedChanges` names the refused changes in the order of `refusals`.
  public mutating func stored(
    batch: UInt64, stored: Int, duplicates: Int, refusals: [String], refusedChanges: [RefusedChange] = []
  ) -> [Action] {
    guard state == .exchanging, storing.first == batch else { return [] }
    storing.removeFirst()
    summary.changesReceived += stored
    summary.duplicatesReceived += duplicates
    summary.refusedReceived += refusals.count
    summary.receivedRefusals += refusals.filter { !$0.isEmpty }.prefix(20 - summary.receivedRefusals.count)
    let ack = BatchAcknowledgement(
      number: batch, stored: stored, duplicates: duplicates, refusals: refusals,
      refusedChanges: refusedChanges)
    return [.send(.ack(ack))] + finishIfComplete()
  }

  /// The driver listed the blobs we lack; they are fetched one at a time.
  public mutating func missingBlobs(_ needs: [BlobNeed]) -> [Action] {
    guard state == .exchanging, blobQueue == nil else { return [] }
    blobQueue = needs
    return requestNextBlob()
  }

  /// The driver checked the blob's hash after its last chunk.
  public mutating func blobFinished(sha256: Data, matched: Bool) -> [Action] {
    guard state == .exchanging, fetching?.sha256 == sha256 else { return [] }
    if matched {
      summary.blobsReceived += 1
    } else {
      summary.blobsRefused.append("blob.hash-mismatch: \(sha256.hex) from \(peer) did not match its address")
    }
    fetching = nil
    return requestNextBlob()
  }

  private mutating func requestNextBlob() -> [Action] {
    guard fetching == nil, var queue = blobQueue else { return [] }
    guard !queue.isEmpty else {
      if sentFetchDone { return [] }
      sentFetchDone = true
      return [.send(.fetchDone)] + finishIfComplete()
    }
    let need = queue.removeFirst()
    blobQueue = queue
    fetching = need
    return [.beginBlob(need)]
  }

  /// The driver opened the blob's partial file, durable up to `offset`: ask for the rest.
  public mutating func blobOpened(sha256: Data, offset: UInt64) -> [Action] {
    guard state == .exchanging, fetching?.sha256 == sha256 else { return [] }
    fetching?.offset = offset
    return [.send(.blobRequest(sha256: sha256, offset: offset))]
  }

  /// Another session is receiving this blob: leave it to that one and go on.
  public mutating func blobBusy(sha256: Data) -> [Action] {
    guard state == .exchanging, fetching?.sha256 == sha256 else { return [] }
    fetching = nil
    return requestNextBlob()
  }

  /// The byte stream broke the protocol (an oversized or undecodable frame): tell the peer why
  /// and stop.
  public mutating func abort(_ error: ProtocolError) -> [Action] {
    guard !isOver else { return [] }
    return fail(error)
  }

  /// The connection ended: a session that was not over failed.
  public mutating func connectionClosed() -> [Action] {
    guard !isOver else { return [] }
    let before = state
    let described = describe
    state = .failed
    if before == .awaitingHello { return [.fail(.closedBeforeHello(peer: peer.rawValue))] }
    return [.fail(.connectionClosed(state: described))]
  }

  private mutating func finishIfComplete() -> [Action] {
    guard sentDone, receivedDone, storing.isEmpty, outstanding.isEmpty, sentFetchDone, receivedFetchDone
    else {
      return []
    }
    state = .finished
    return [.finish(summary)]
  }

  private mutating func fail(_ error: ProtocolError) -> [Action] {
    state = .failed
    return [.send(.failure(code: error.code, message: error.description)), .fail(error)]
  }

  private var describe: String {
    switch state {
    case .exchanging:
      "exchanging (\(storing.isEmpty ? "idle" : "storing batch \(storing.map(String.init).joined(separator: ", "))"), \(receivedDone ? "peer done" : "peer sending")\(fetching.map { ", fetching blob \($0.sha256.hex.prefix(12)) at \($0.offset)" } ?? ""))"
    default: state.rawValue
    }
  }
}

/// What a session moved, for `liandong sync`'s summary and the logs.
public struct SyncSummary: Equatable, Sendable, Codable {
  public var peer: String
  public var changesSent = 0
  public var stubsSent = 0
  public var batchesSent = 0
  public var changesReceived = 0
  public var duplicatesReceived = 0
  public var refusedReceived = 0
  /// Why this node refused what it refused (the first 20), as the acknowledgement tells the peer.
  public var receivedRefusals: [String] = []
  public var batchesReceived = 0
  public var peerRefused = 0
  public var peerRefusals: [String] = []
  /// Conflicting changes sent to show the peer a fork.
  public var forkEvidenceSent = 0
  /// Bodies of changes the peer held as stubs and asked for.
  public var bodiesSent = 0
  /// Bodies the peer asked for that it may not read: not sent, and logged by the driver.
  public var bodiesRefused = 0
  public var blobsReceived = 0
  public var blobBytesReceived = 0
  public var blobsSent = 0
  public var blobBytesSent = 0
  /// Blobs the peer would not or could not give us, and blobs whose hash did not match.
  public var blobsRefused: [String] = []
  public var bytesSent = 0
  public var bytesReceived = 0
  public var seconds = 0.0
  /// The peer only probed this node (`SyncSession.probeCapability`): nothing was exchanged.
  public var probe = false
  /// The peer's clock minus this node's when its Hello arrived (negative: this node is ahead);
  /// nil when the peer's Hello carried no clock (an older version).
  public var peerClockOffsetMillis: Int64? = nil
  /// Checkpoints passed on to the peer, and received from it (before checking).
  public var checkpointsSent = 0
  public var checkpointsReceived = 0
  /// The CA's revocation lists this node put in force after the session, relayed by the peer
  /// ("CRL number 4, issued ..."); `serve` then reloads its TLS contexts.
  public var revocationListsAdopted: String? = nil
  /// The clock correction this node signed after the session, the peer having shown its clock
  /// right while its own latest changes were stamped ahead (`ChainTime`); it goes out with the
  /// next session.
  public var clockCorrection: String? = nil

  public init(peer: String) { self.peer = peer }
}

/// A sequence at which the peer's head may differ from our change there: a possible fork.
public struct ForkProbe: Equatable, Sendable {
  public var origin: NodeID
  public var sequence: UInt64
  public var peerHead: ChangeID

  public init(origin: NodeID, sequence: UInt64, peerHead: ChangeID) {
    self.origin = origin
    self.sequence = sequence
    self.peerHead = peerHead
  }
}

/// Constants of blob transfer shared by both ends.
public enum BlobTransfer {
  /// The most data one `BlobChunk` carries.
  public static let chunkBytes = 256 << 10
}
