import Foundation
import LiandongCore
import LiandongProtocol
import LiandongStore

/// One connection between two simulated nodes, carried the way a TCP stream carries it: both
/// sync sessions, the frames in flight each way, and the faults the network puts on them. The
/// ends do what `SyncDriver` does, a few actions per tick, so that a crash can fall between any
/// two of them.
final class SimulatedLink {
  /// The two ends; end 0 dialled.
  let nodes: [SimulatedNode]
  private var sessions: [SyncSession]
  private var pending: [[SyncSession.Action]]
  /// Frames on their way to end k, in stream order, each with the tick it arrives.
  private var inFlight: [[(arrives: Int, bytes: Data)]] = [[], []]
  /// A frame toward end k was lost: the stream toward it carries nothing more.
  private var lost = [false, false]
  /// Once a frame is lost the stream stalls; at this tick the idle timeout closes it.
  private var timesOutAt: Int? = nil
  private var decoders = [FrameDecoder(), FrameDecoder()]
  private var receivers: [BlobReceiver?] = [nil, nil]
  /// End k has stopped (finished, failed or crashed): the other end reads what was already sent,
  /// then the end of the stream.
  private var stopped = [false, false]
  private var endOfStreamRead = [false, false]
  private(set) var outcomes: [Result<SyncSummary, ProtocolError>?] = [nil, nil]
  /// Per end, what the other end acknowledged as committed (origin → sequence): only acks that
  /// refused nothing count, since a refused change was acknowledged but not stored.
  private(set) var committedByPeer: [[NodeID: UInt64]] = [[:], [:]]
  private var acknowledgedBefore: [[NodeID: UInt64]] = [[:], [:]]
  /// Bodies or files sent outside their audience: must stay empty.
  private(set) var leaks: [String] = []
  /// Bytes per blob chunk: small, so that a 64-byte file travels in several chunks.
  var chunkBytes = 24

  init(_ dialler: SimulatedNode, _ listener: SimulatedNode, batchBytes: Int) throws {
    nodes = [dialler, listener]
    sessions = try [(dialler, listener), (listener, dialler)].map { local, peer in
      SyncSession(
        local: local.id, peer: peer.id, vector: try local.store.versionVector(),
        heads: try local.store.heads(),
        wantedBodies: try local.store.wantedBodies(), forkProofs: try local.store.forkProofs(),
        maximumBatchBytes: batchBytes, checkpointMarks: try local.store.checkpointMarks())
    }
    pending = [sessions[0].start(), sessions[1].start()]
  }

  var isOver: Bool { outcomes[0] != nil && outcomes[1] != nil }

  /// One tick: each end performs up to `budget` of its pending actions, then reads what arrived.
  func step(tick: Int, budget: Int, network: inout SimulatedNetwork) throws {
    for end in [0, 1].shuffled(using: &network.random) {
      try perform(end, budget: budget, tick: tick, network: &network)
    }
    for end in [0, 1] { read(end, tick: tick) }
    if let timesOutAt, tick >= timesOutAt {
      // The idle timeout: whatever is still in flight is gone, and both ends see the close.
      for end in [0, 1] where outcomes[end] == nil {
        inFlight[end] = []
        stopped[1 - end] = true
      }
      for end in [0, 1] { read(end, tick: tick) }
    }
    for end in [0, 1] { try perform(end, budget: .max, tick: tick, network: &network, onlyClosing: true) }
  }

  /// The node at `end` died: it performs nothing more, its blob transfer is dropped where it
  /// stood (only the last checkpoint is durable), frames toward it are lost, and the other end
  /// reads what it had already sent and then the end of the stream.
  func crash(_ node: NodeID) {
    for end in [0, 1] where nodes[end].id == node && outcomes[end] == nil {
      outcomes[end] = .failure(.localFailure(code: "simulation.crash", reason: "\(node) crashed"))
      pending[end] = []
      receivers[end] = nil
      inFlight[end] = []
      stopped[end] = true
    }
  }

  private func read(_ end: Int, tick: Int) {
    guard outcomes[end] == nil else {
      inFlight[end] = []
      return
    }
    while let first = inFlight[end].first, first.arrives <= tick {
      inFlight[end].removeFirst()
      do throws(ProtocolError) {
        for frame in try decoders[end].feed(first.bytes) {
          pending[end] += sessions[end].receive(frame)
          if case .ack(let ack) = frame, !sessions[end].isOver {
            noteCommitted(end, refusedAny: !ack.refusals.isEmpty)
          }
        }
      } catch {
        pending[end] += sessions[end].abort(error)
      }
    }
    if inFlight[end].isEmpty, stopped[1 - end], !endOfStreamRead[end] {
      endOfStreamRead[end] = true
      pending[end] += sessions[end].connectionClosed()
    }
  }

  /// An acknowledgement arrived at `end`. Origins that advanced in a batch that refused nothing
  /// are held by the peer through their new sequence (a change is stored only after its
  /// predecessors); a batch with a refusal proves nothing about the origins in it.
  private func noteCommitted(_ end: Int, refusedAny: Bool) {
    let now = sessions[end].acknowledgedThrough
    defer { acknowledgedBefore[end] = now }
    guard !refusedAny else { return }
    for (origin, sequence) in now where sequence > acknowledgedBefore[end][origin] ?? 0 {
      committedByPeer[end][origin] = max(committedByPeer[end][origin] ?? 0, sequence)
    }
  }

  private func send(_ frame: SyncFrame, from end: Int, tick: Int, network: inout SimulatedNetwork) {
    let toward = 1 - end
    guard !stopped[end], !lost[toward], !stopped[toward] else { return }
    checkAudience(frame, toward: nodes[toward])
    let bytes = FrameCoding.encode(frame)
    network.figures.frames += 1
    if network.drops(from: nodes[end].id, to: nodes[toward].id) {
      lost[toward] = true
      timesOutAt = min(timesOutAt ?? .max, tick + network.idleTimeoutTicks)
      return
    }
    let arrives = max(tick + network.delay(), inFlight[toward].last?.arrives ?? 0)
    if network.reorders(), let last = inFlight[toward].popLast() {
      inFlight[toward].append((arrives, bytes))
      inFlight[toward].append((max(arrives, last.arrives), last.bytes))
    } else {
      inFlight[toward].append((arrives, bytes))
    }
    if network.duplicates() { inFlight[toward].append((arrives, bytes)) }
  }

  /// Invariant 3, on the wire (a receiver drops a body it may not read, so its store cannot show
  /// a sender's leak): a body goes only to its audience, a file only to a node that sees it.
  private func checkAudience(_ frame: SyncFrame, toward receiver: SimulatedNode) {
    switch frame {
    case .batch(_, let changes):
      for change in changes where !change.isStub {
        if !change.header.audience.includes(receiver.id, origin: change.header.origin) {
          leaks.append("the body of \(change.id) was sent to \(receiver.id), outside its audience")
        }
      }
    case .blobChunk(let sha256, _, _, _):
      if (try? receiver.store.evidence().contains { $0.sha256 == sha256.hex }) != true {
        leaks.append(
          "file \(sha256.hex.prefix(12)) was sent to \(receiver.id), which sees no evidence with it")
      }
    default: break
    }
  }

  /// Performs what the session at `end` asked for, as `SyncDriver` does. With `onlyClosing`,
  /// only a session that has ended is drained (its last frames and its outcome).
  private func perform(
    _ end: Int, budget: Int, tick: Int, network: inout SimulatedNetwork, onlyClosing: Bool = false
  ) throws {
    guard !onlyClosing || sessions[end].isOver || endOfStreamRead[end] else { return }
    let node = nodes[end]
    var budget = budget
    while budget > 0, outcomes[end] == nil, !pending[end].isEmpty {
      budget -= 1
      let action = pending[end].removeFirst()
      do {
        switch action {
        case .send(let frame): send(frame, from: end, tick: tick, network: &network)
        case .load(let after, let maximumBytes):
          pending[end] += sessions[end].loaded(
            try node.store.changes(after: after, maximumBytes: maximumBytes))
        case .inspect(let probes):
          sessions[end].inspected(
            try probes.compactMap { probe in
              try node.store.change(origin: probe.origin, sequence: probe.sequence).flatMap {
                $0.id == probe.peerHead ? nil : $0
              }
            })
        case .store(let batch, let changes):
          let outcomes = try node.receive(changes)
          // As the driver does: each refused change named, in the batch's order.
          var refused: [RefusedChange] = []
          for (change, outcome) in zip(changes, outcomes) {
            switch outcome {
            case .refused(let refusal), .forkDetected(let refusal):
              refused.append(RefusedChange(change: change.id, code: refusal.code))
            default: break
            }
          }
          network.figures.refusedChanges += refused.count
          pending[end] += sessions[end].stored(
            batch: batch, stored: outcomes.filter { $0 == .stored || $0 == .bodyFilled }.count,
            duplicates: outcomes.filter { $0 == .duplicate }.count, refusals: refused.map(\.code),
            refusedChanges: refused)
        case .loadBodies(let ids): sessions[end].loadedBodies(try node.store.bodies(of: ids))
        case .listMissingBlobs: pending[end] += sessions[end].missingBlobs(try node.blobs.missing())
        case .loadCheckpoints(let after, let limit):
          pending[end] += sessions[end].loadedCheckpoints(
            try node.store.checkpoints(after: after, limit: limit))
        case .storeCheckpoints(let checkpoints):
          let kept = try node.store.keep(checkpoints, trust: node.verifier.trust, now: node.wallClock)
          network.figures.checkpointsRefused += kept.problems.count
        case .beginBlob(let need):
          do {
            let receiver = try node.blobs.receive(need)
            receivers[end] = receiver
            pending[end] += sessions[end].blobOpened(sha256: need.sha256, offset: receiver.offset)
          } catch BlobError.busy {
            pending[end] += sessions[end].blobBusy(sha256: need.sha256)
          }
        case .writeBlob(let sha256, let offset, let data, let last):
          guard let receiver = receivers[end] else {
            pending[end] += sessions[end].abort(.badBlob(reason: "no blob transfer is open"))
            continue
          }
          try receiver.append(data, at: offset)
          if last {
            let receipt = try receiver.finish()
            receivers[end] = nil
            if receipt == .complete(size: receiver.need.size) { network.figures.blobsReceived += 1 }
            pending[end] += sessions[end].blobFinished(
              sha256: sha256, matched: receipt == .complete(size: receiver.need.size))
          }
        case .suspendBlob:
          try receivers[end]?.suspend()
          receivers[end] = nil
        case .serveBlob(let sha256, let offset):
          switch try node.blobs.decideServing(sha256, to: sessions[end].peer) {
          case .refuse(let code, let message):
            send(
              .blobRefused(sha256: sha256, code: code, message: message), from: end, tick: tick,
              network: &network)
          case .serve(let size):
            var position = offset
            repeat {
              let data = try node.blobs.read(sha256, offset: position, maximumBytes: chunkBytes)
              let last = position + UInt64(data.count) >= size
              send(
                .blobChunk(sha256: sha256, offset: position, data: data, last: last), from: end, tick: tick,
                network: &network)
              position += UInt64(data.count)
            } while position < size
          }
        case .finish(let summary):
          // As `SyncDriver` does after a session, at every one: a node whose peer's clock agrees
          // with its own corrects stamps that ran ahead (`NodeHome.correctClockIfAhead`, with this
          // one reading), changes this clock has reached count, and what the node holds is signed.
          let peer = nodes[1 - end]
          node.catchingUp.remove(peer.id)
          let offset = Int64(peer.clockMillis) - Int64(node.clockMillis)
          if let author = node.author, node.catchingUp.isEmpty,
            offset.magnitude <= node.store.maximumDriftMillis,
            let correction = try node.store.correctClockIfAhead(
              author: author, verifier: node.verifier, physicalMillis: node.clockMillis)
          {
            network.figures.clockCorrections += 1
            network.figures.retimedChanges += correction.retimed
          }
          try node.store.releaseChangesDue(nowMillis: node.clockMillis)
          if let author = node.author {
            _ = try node.store.checkpointIfMoved(author: author, now: node.wallClock, interval: 0)
          }
          stop(end, .success(summary))
        case .fail(let error): stop(end, .failure(error))
        }
      } catch let error as BlobError {
        pending[end] += sessions[end].abort(.localFailure(code: error.code, reason: error.description))
      }
    }
    // A session whose stream ended and that has nothing left to do failed with the close.
    if outcomes[end] == nil, pending[end].isEmpty, endOfStreamRead[end] {
      stop(end, .failure(.connectionClosed(state: "ended")))
    }
  }

  /// The driver's exit: a transfer cut short keeps its durable part, and the stream closes.
  private func stop(_ end: Int, _ outcome: Result<SyncSummary, ProtocolError>) {
    outcomes[end] = outcome
    try? receivers[end]?.suspend()
    receivers[end] = nil
    stopped[end] = true
  }
}
