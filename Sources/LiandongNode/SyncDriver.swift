import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongProtocol
import LiandongStore
import LiandongTLS
import Logging
import NIOCore
import NIOFoundationCompat
import NIOPosix

/// Runs one sync session over an authenticated connection: performs what the pure `SyncSession`
/// asks for. Store work runs on NIO's thread pool, never on Swift's cooperative threads.
///
/// Several tasks share the connection: the session loop, a reader that passes the peer's bytes
/// to it, a committer that commits received batches one after another, a blob writer that
/// writes fetched chunks to disk, the blob server, and the writer draining the outbound queue.
/// The loop waits on one stream of events, so it keeps reading and decoding while a batch
/// commits or a chunk is written.
public enum SyncDriver {
  public static func run(
    _ connection: AuthenticatedConnection, home: NodeHome, verifier: ChangeVerifier? = nil, logger: Logger,
    batchBytes: Int = SyncSession.defaultBatchBytes, frameDeadline: FrameDeadline = FrameDeadline(),
    progress: (@Sendable (SyncSummary) -> Void)? = nil
  ) async throws -> SyncSummary {
    let clock = ContinuousClock()
    let start = clock.now
    let store = home.store
    let peer = connection.peer.node
    let state:
      (
        vector: [NodeID: UInt64], heads: [NodeID: ChangeID], wanted: [ChangeID], forks: [SignedChange],
        marks: [NodeID: UInt64]
      )
    do {
      state = try await offload {
        (
          try store.versionVector(), try store.heads(), try store.wantedBodies(), try store.forkProofs(),
          try store.checkpointMarks()
        )
      }
    } catch {
      // Cancelled (SIGTERM) or the store failed before the session began: the channel must still
      // be closed through its own API, since NIO traps when an unfinished writer is dropped.
      try? await connection.channel.executeThenClose { _, _ in }
      throw error
    }
    let (vector, heads, wanted, forks, marks) = state
    var session = SyncSession(
      local: home.node, peer: peer, vector: vector, heads: heads, wantedBodies: wanted, forkProofs: forks,
      maximumBatchBytes: batchBytes, clockMillis: Date().unixMillis, checkpointMarks: marks)
    var outcome: Result<SyncSummary, any Error>? = nil
    var bytesSent = 0
    var bytesReceived = 0
    var peerClockOffset: (millis: Int64, measuredAt: UInt64)? = nil
    let tally = BlobServer.Tally()

    try await connection.channel.executeThenClose { inbound, _ in
      let queue = OutboundQueue()
      let (requests, requestSink) = AsyncStream.makeStream(
        of: BlobServer.Request.self, bufferingPolicy: .bufferingOldest(BlobServer.maximumWaiting))
      let server = BlobServer(home: home, peer: peer, queue: queue, logger: logger, tally: tally)
      let (events, eventSink) = AsyncStream.makeStream(of: SessionEvent.self)
      let commits = CommitQueue()
      let preparations = CommitPreparationLane(store: home.store)
      let credit = Credits(chunks: 8)
      let (blobWrites, blobWriteSink) = AsyncStream.makeStream(of: BlobWriter.Operation.self)
      let writeRoom = Credits(chunks: BlobWriter.room)
      await withTaskGroup(of: Void.self) { group in
        group.addTask { await queue.drain(into: connection.channel.channel) }
        group.addTask { await server.run(requests) }
        // Outside the session's own tasks, which are cancelled at its end: a partial blob must
        // still be made durable then.
        group.addTask {
          await BlobWriter(operations: blobWrites, credits: writeRoom, events: eventSink).run()
        }
        await withTaskGroup(of: Void.self) { sessionTasks in
          sessionTasks.addTask {
            do {
              for try await chunk in inbound {
                await credit.take()
                if Task.isCancelled { return }
                eventSink.yield(.received(chunk))
              }
              eventSink.yield(.readEnded(nil))
            } catch {
              eventSink.yield(.readEnded(error))
            }
          }
          sessionTasks.addTask {
            while let batches = await commits.takePrepared() {
              let results = await commit(
                batches, home: home, verifier: verifier ?? home.verifier, peer: peer, logger: logger)
              for (batch, result) in zip(batches, results) {
                eventSink.yield(.committed(batch: batch.number, result))
              }
            }
          }
          var decoder = FrameDecoder()
          var deadline = frameDeadline
          var iterator = events.makeAsyncIterator()
          var receiver: BlobReceiver? = nil
          var pending = session.start()
          while outcome == nil {
            while let action = pending.first, outcome == nil {
              pending.removeFirst()
              do {
                switch action {
                case .send(let frame):
                  let buffer = ByteBuffer(frame: frame)
                  bytesSent += buffer.readableBytes
                  queue.enqueue(buffer)
                case .load(let after, let maximumBytes):
                  let changes = try await offload {
                    try store.changes(after: after, limit: .max, maximumBytes: maximumBytes)
                  }
                  pending += session.loaded(changes)
                  progress?(session.summary)
                case .inspect(let probes):
                  let conflicting = try await offload {
                    try probes.compactMap { probe in
                      try store.change(origin: probe.origin, sequence: probe.sequence).flatMap {
                        $0.id == probe.peerHead ? nil : $0
                      }
                    }
                  }
                  if !conflicting.isEmpty {
                    logger.warning(
                      "peer holds other changes than ours at the same sequence: sending the proof of a fork",
                      metadata: ["peer": "\(peer)", "origins": "\(conflicting.map(\.header.origin))"])
                  }
                  session.inspected(conflicting)
                case .loadBodies(let ids):
                  let refusedBefore = session.summary.bodiesRefused
                  session.loadedBodies(try await offload { try store.bodies(of: ids) })
                  if session.summary.bodiesRefused > refusedBefore {
                    logger.warning(
                      "peer asked for bodies outside their audience; not sent",
                      metadata: [
                        "peer": "\(peer)", "code": "sync.body-not-entitled",
                        "count": "\(session.summary.bodiesRefused - refusedBefore)",
                      ])
                  }
                case .store(let batch, let changes):
                  // Signatures checked and bodies decoded now, on every core, while earlier batches
                  // commit.
                  commits.put(
                    PendingCommit(number: batch, changes: changes, preparation: preparations.prepare(changes))
                  )
                case .loadCheckpoints(let after, let limit):
                  pending += session.loadedCheckpoints(
                    try await offload { try store.checkpoints(after: after, limit: limit) })
                case .storeCheckpoints(let checkpoints):
                  let trust = (verifier ?? home.verifier).trust
                  let (_, problems) = try await offload {
                    try store.keep(checkpoints, trust: trust, now: Date())
                  }
                  if let problem = problems.first {
                    logger.info(
                      "peer passed on checkpoints that do not check; not kept",
                      metadata: [
                        "peer": "\(peer)", "code": "\(problem.code)", "count": "\(problems.count)",
                        "reason": "\(problem)",
                      ])
                  }
                case .listMissingBlobs:
                  pending += session.missingBlobs(try await offload { try home.blobs.missing() })
                case .beginBlob(let need):
                  do {
                    let opened = try await offload { try home.blobs.receive(need) }
                    receiver = opened
                    pending += session.blobOpened(sha256: need.sha256, offset: opened.offset)
                  } catch BlobError.busy {
                    logger.debug("blob busy in another session", metadata: ["blob": "\(need.sha256.hex)"])
                    pending += session.blobBusy(sha256: need.sha256)
                  }
                case .writeBlob(_, let offset, let data, let last):
                  guard let open = receiver else {
                    throw ProtocolError.badBlob(reason: "no blob transfer is open")
                  }
                  await writeRoom.take()
                  blobWriteSink.yield(.append(open, offset: offset, data: data, last: last))
                  progress?(session.summary)
                  // The writer finishes the file after the last chunk, and says so with an event.
                  if last { receiver = nil }
                case .suspendBlob(let sha256):
                  if let open = receiver { blobWriteSink.yield(.suspend(open)) }
                  receiver = nil
                  logger.info(
                    "peer did not serve a blob", metadata: ["peer": "\(peer)", "blob": "\(sha256.hex)"])
                case .serveBlob(let sha256, let offset):
                  if case .dropped = requestSink.yield(BlobServer.Request(sha256: sha256, offset: offset)) {
                    pending += session.abort(
                      .unexpectedFrame(
                        frame: "BlobRequest",
                        state:
                          "already serving \(BlobServer.maximumWaiting) requests; ask for one blob at a time")
                    )
                  }
                case .finish(let summary):
                  outcome = .success(summary)
                case .fail(let error):
                  outcome = .failure(error)
                }
              } catch {
                pending += session.abort(failureReason(error, peer: peer, logger: logger))
              }
            }
            if outcome != nil { break }
            let chunk: ByteBuffer
            switch await iterator.next() {
            case .received(let received):
              credit.give()
              chunk = received
            case .readEnded(let error):
              // A reset or TLS failure mid-session: the session says how far it got.
              if let error {
                logger.debug("connection error", metadata: ["peer": "\(peer)", "reason": "\(error)"])
              }
              pending += session.connectionClosed()
              if pending.isEmpty {
                outcome = .failure(error ?? ProtocolError.connectionClosed(state: "over"))
              }
              continue
            case .committed(let batch, .success(let committed)):
              pending += session.stored(
                batch: batch, stored: committed.stored, duplicates: committed.duplicates,
                refusals: committed.refusals, refusedChanges: committed.refusedChanges)
              progress?(session.summary)
              continue
            case .committed(_, .failure(let error)), .blobWritten(_, .failure(let error)):
              pending += session.abort(failureReason(error, peer: peer, logger: logger))
              continue
            case .blobWritten(let need, .success(let receipt)):
              let sha256 = need.sha256
              if case .mismatch(let actual, let size) = receipt {
                logger.warning(
                  "a blob did not match its address; discarded",
                  metadata: [
                    "peer": "\(peer)", "blob": "\(sha256.hex)", "actual": "\(actual)", "bytes": "\(size)",
                  ])
              } else {
                logger.info("received a blob", metadata: ["peer": "\(peer)", "blob": "\(sha256.hex)"])
              }
              let matched = receipt == .complete(size: need.size)
              do { try await offload { try home.recordReceipt(of: sha256, matched: matched) } } catch {
                logger.warning(
                  "could not record the file's receipt in its chain of custody",
                  metadata: ["blob": "\(sha256.hex)", "reason": "\(error)"])
              }
              pending += session.blobFinished(sha256: sha256, matched: matched)
              continue
            case nil:
              outcome = .failure(ProtocolError.connectionClosed(state: "unfinished"))
              continue
            }
            bytesReceived += chunk.readableBytes
            do throws(ProtocolError) {
              let frames = try decoder.feed(chunk.readableBytesView)
              try deadline.check(
                completedFrame: !frames.isEmpty, pendingBytes: decoder.pendingBytes, now: clock.now)
              for frame in frames {
                pending += session.receive(frame)
                if case .hello(let hello) = frame, let clock = hello.clockMillis {
                  let local = Date().unixMillis
                  SyncMetrics.clockOffset(peer: peer, peerMillis: clock, localMillis: local)
                  peerClockOffset = (Int64(clamping: clock) - Int64(clamping: local), local)
                }
                if case .ack(let ack) = frame {
                  // What the peer has durably committed: checked against the peer after crashes.
                  let through = session.acknowledgedThrough.sorted { $0.key < $1.key }.map {
                    "\($0.key)#\($0.value)"
                  }
                  logger.debug(
                    "peer acknowledged batch",
                    metadata: [
                      "peer": "\(peer)", "batch": "\(ack.number)",
                      "through": "\(through.joined(separator: ","))",
                    ])
                }
              }
            } catch {
              logger.warning(
                "sync protocol violation",
                metadata: ["peer": "\(peer)", "code": "\(error.code)", "reason": "\(error)"])
              pending += session.abort(error)
            }
          }
          // A transfer cut short keeps what is durable, to resume from there next time.
          if let open = receiver { blobWriteSink.yield(.suspend(open)) }
          blobWriteSink.finish()
          writeRoom.close()
          // A commit under way finishes (it is one transaction); batches not begun are dropped,
          // unacknowledged, and the peer sends them again next time.
          commits.finish()
          credit.close()
          sessionTasks.cancelAll()
        }
        requestSink.finish()
        queue.close()
        await group.waitForAll()
      }
    }
    await recordReach(of: session, in: store, logger: logger)
    switch outcome {
    case .success(var summary):
      summary.bytesSent = bytesSent + tally.bytes
      summary.bytesReceived = bytesReceived
      summary.blobsSent = tally.blobs
      summary.blobBytesSent = tally.bytes
      let elapsed = start.duration(to: clock.now).components
      summary.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
      if let peerClockOffset {
        summary.peerClockOffsetMillis = peerClockOffset.millis
        // What this node's own writes judge its clock by (`ClockAgreement`).
        try? await offload {
          try store.recordPeerClock(
            of: peer, offsetMillis: peerClockOffset.millis, measuredAtMillis: peerClockOffset.measuredAt)
        }
      }
      // A newer CRL that arrived in a change goes in force now, not at the next restart.
      if !summary.probe {
        do {
          if let adopted = try await offload({ try home.adoptRelayedRevocationLists() }) {
            summary.revocationListsAdopted = adopted.rank.description
            logger.notice(
              "revocation list relayed by sync put in force",
              metadata: [
                "peer": "\(peer)", "crl": "\(adopted.rank)", "change": "\(adopted.publishedIn.short)",
              ])
          }
        } catch {
          logger.warning(
            "could not put a relayed revocation list in force",
            metadata: ["reason": "\((error as? any CodedError)?.description ?? "\(error)")"])
        }
      }
      // Its peer has shown this node's clock right: changes it stamped ahead are corrected, and
      // those of others this clock has now reached count (`ChainTime`).
      if !summary.probe {
        do {
          if let correction = try await offload({ try home.correctClockIfAhead() }) {
            summary.clockCorrection = correction.description
            logger.notice(
              "clock correction signed",
              metadata: [
                "peer": "\(peer)", "sequence": "\(correction.sequence)", "retimed": "\(correction.retimed)",
              ])
          }
          _ = try await offload { try store.releaseChangesDue() }
        } catch {
          logger.warning(
            "could not correct the clock's stamps",
            metadata: ["reason": "\((error as? any CodedError)?.description ?? "\(error)")"])
        }
      }
      // What this node holds now, signed for its peers to keep as its witness (`Checkpoint`).
      if !summary.probe {
        do {
          _ = try await offload { try home.signCheckpointIfMoved() }
        } catch {
          logger.warning("could not sign a checkpoint", metadata: ["reason": "\(error)"])
        }
      }
      // A round that moved nothing is routine: keep it out of the default log.
      let moved =
        summary.changesReceived + summary.changesSent + summary.stubsSent + summary.blobsSent
        + summary.blobsReceived > 0
      logger.log(
        level: moved ? .info : .debug,
        "sync finished",
        metadata: [
          "peer": "\(peer)", "received": "\(summary.changesReceived)",
          "sent": "\(summary.changesSent + summary.stubsSent)",
          "blobs": "\(summary.blobsReceived) in, \(summary.blobsSent) out",
        ])
      return summary
    case .failure(let error):
      logger.warning("sync failed", metadata: ["peer": "\(peer)", "reason": "\(error)"])
      throw error
    case nil:
      throw ProtocolError.connectionClosed(state: "unfinished")
    }
  }

  /// Keeps what the session showed of the peer (what it holds, what it was sent, what it refused),
  /// whether it finished or not, for `liandong reach`. A session that ended before the peer's
  /// Hello, or a probe, showed nothing.
  private static func recordReach(of session: SyncSession, in store: any NodeStorage, logger: Logger) async {
    guard let told = session.peerHeld, !session.summary.probe else { return }
    let record = SyncSessionRecord(
      node: session.peer, at: Date(), told: told, sent: session.sentThrough,
      acknowledged: session.acknowledgedThrough,
      refused: Dictionary(
        session.refusedByPeer.map { ($0.change, $0.code) }, uniquingKeysWith: { _, last in last }))
    do { try await offload { try store.recordSyncSession(record) } } catch {
      logger.warning(
        "could not keep what the session showed of the peer",
        metadata: ["peer": "\(session.peer)", "reason": "\(error)"])
    }
  }

  /// Why a failure on this side ends the session, logged: a chunk that does not continue its
  /// blob is the peer's fault; a disk or store failure (disk full, database locked too long) is
  /// ours, and nothing acknowledged is lost.
  private static func failureReason(_ error: any Error, peer: NodeID, logger: Logger) -> ProtocolError {
    if let error = error as? BlobError {
      logger.warning("blob transfer failed", metadata: ["peer": "\(peer)", "reason": "\(error)"])
      return switch error {
      case .outOfOrder, .tooLong: .badBlob(reason: error.description)
      case .unreadable, .io, .busy, .notAFile, .changedWhileRead, .empty, .diskFull, .damaged:
        .localFailure(code: error.code, reason: error.description)
      }
    }
    if let error = error as? ProtocolError { return error }
    logger.error("sync stopped by a local failure", metadata: ["peer": "\(peer)", "reason": "\(error)"])
    let code = (error as? any CodedError)?.code ?? "node.local-failure"
    return .localFailure(code: code, reason: "\(error)")
  }

  /// Verifies and commits received batches, all in one transaction, and logs what was refused:
  /// a result for each batch, in their order. If the transaction fails, every batch fails with it.
  private static func commit(
    _ batches: [PendingCommit], home: NodeHome, verifier: ChangeVerifier, peer: NodeID, logger: Logger
  ) async -> [Result<CommittedBatch, any Error>] {
    let store = home.store
    var preparations: [CommitPreparation.Done] = []
    for batch in batches { preparations.append(await batch.preparation.value()) }
    let changes = batches.flatMap(\.changes)
    let checked = SignatureChecks(merging: preparations.map(\.signatures))
    let bodies = preparations.flatMap(\.bodies)
    let outcomes: [IngestOutcome]
    do {
      // Patient: an officer's page read meanwhile gets a core first.
      outcomes = try await PatientWorkers.committing.run {
        try store.ingest(
          changes, verifier: verifier, physicalMillis: Date().unixMillis, signaturesChecked: checked,
          bodies: bodies)
      }
    } catch {
      return batches.map { _ in .failure(error) }
    }
    var results: [Result<CommittedBatch, any Error>] = []
    var storedIDs: [ChangeID] = []
    var rest = Array(zip(changes, outcomes))[...]
    for batch in batches {
      var committed = CommittedBatch(stored: 0, duplicates: 0, refusals: [])
      for (change, result) in rest.prefix(batch.changes.count) {
        switch result {
        case .stored, .bodyFilled:
          committed.stored += 1
          storedIDs.append(change.id)
        case .duplicate: committed.duplicates += 1
        case .refused(let refusal), .forkDetected(let refusal):
          committed.refusals.append("\(refusal.code): \(refusal.description)")
          committed.refusedChanges.append(RefusedChange(change: change.id, code: refusal.code))
          SyncMetrics.refused(code: refusal.code)
          logger.warning(
            "refused a change from a peer",
            metadata: ["peer": "\(peer)", "code": "\(refusal.code)", "reason": "\(refusal)"])
        }
      }
      rest = rest.dropFirst(batch.changes.count)
      results.append(.success(committed))
    }
    // A valid change may hold an operation the reducers refuse (an edit of another bureau's lead):
    // it is kept as a fact of the log with no effect, and said here so an operator sees it.
    let ids = storedIDs
    let refusedOperations = (try? await offload { try store.refusals(of: ids) }) ?? []
    for refused in refusedOperations {
      logger.warning(
        "a peer's change holds an operation this node refuses; kept in the log with no effect",
        metadata: [
          "peer": "\(peer)", "code": "\(refused.code)", "change": "\(refused.change)",
          "object": "\(refused.objectID)", "reason": "\(refused.reason)",
        ])
    }
    return results
  }
}

/// A received batch waiting for the committer, with its preparation already under way.
struct PendingCommit: Sendable {
  var number: UInt64
  var changes: [SignedChange]
  var preparation: CommitPreparation
}

/// Runs blocking work (SQLite, signatures) on NIO's thread pool.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
  try await NIOThreadPool.singleton.runIfActive(work)
}
