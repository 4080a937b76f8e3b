import Foundation
import LiandongCore
import LiandongProtocol
import LiandongStore
import LiandongTLS
import Logging
import NIOCore
import NIOPosix

/// Runs one sync session over an authenticated connection: performs what the pure `SyncSession`
/// asks for. Store work runs on NIO's thread pool, never on Swift's cooperative threads.
public enum SyncDriver {
  public static func run(
    _ connection: AuthenticatedConnection, home: NodeHome, logger: Logger, batchBytes: Int = 1 << 20,
    progress: (@Sendable (SyncSummary) -> Void)? = nil
  ) async throws -> SyncSummary {
    let clock = ContinuousClock()
    let start = clock.now
    let store = home.store
    let peer = connection.peer.node
    let (vector, heads) = try await offload { (try store.versionVector(), try store.heads()) }
    var session = SyncSession(
      local: home.node, peer: peer, vector: vector, heads: heads, maximumBatchBytes: batchBytes)
    var outcome: Result<SyncSummary, any Error>? = nil
    var bytesSent = 0
    var bytesReceived = 0

    try await connection.channel.executeThenClose { inbound, outbound in
      var decoder = FrameDecoder()
      var iterator = inbound.makeAsyncIterator()
      var pending = session.start()
      while outcome == nil {
        while let action = pending.first, outcome == nil {
          pending.removeFirst()
          switch action {
          case .send(let frame):
            let bytes = FrameCoding.encode(frame)
            bytesSent += bytes.count
            do { try await outbound.write(ByteBuffer(bytes: bytes)) } catch {
              // The peer hung up (after refusing us, or mid-session): report it in the
              // session's terms, which say how far it got. A session already over keeps its
              // queued outcome.
              if !session.isOver { pending = session.connectionClosed() }
            }
          case .load(let after, let maximumBytes):
            let changes = try await offload { try store.changes(after: after, maximumBytes: maximumBytes) }
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
          case .store(let batch, let changes):
            let outcomes = try await offload {
              try store.ingest(changes, verifier: home.verifier, physicalMillis: Date().unixMillis)
            }
            var stored = 0
            var duplicates = 0
            var refusals: [String] = []
            for result in outcomes {
              switch result {
              case .stored, .bodyFilled: stored += 1
              case .duplicate: duplicates += 1
              case .refused(let refusal), .forkDetected(let refusal):
                refusals.append("\(refusal.code): \(refusal.description)")
                logger.warning(
                  "refused a change from a peer",
                  metadata: ["peer": "\(peer)", "code": "\(refusal.code)", "reason": "\(refusal)"])
              }
            }
            pending += session.stored(
              batch: batch, stored: stored, duplicates: duplicates, refusals: refusals)
            progress?(session.summary)
          case .finish(let summary):
            outcome = .success(summary)
          case .fail(let error):
            outcome = .failure(error)
          }
        }
        if outcome != nil { break }
        let chunk: ByteBuffer?
        do { chunk = try await iterator.next() } catch {
          // A reset or TLS failure mid-session: the session says how far it got.
          logger.debug("connection error", metadata: ["peer": "\(peer)", "reason": "\(error)"])
          pending += session.connectionClosed()
          if pending.isEmpty { outcome = .failure(error) }
          continue
        }
        guard let chunk else {
          pending += session.connectionClosed()
          if pending.isEmpty { outcome = .failure(ProtocolError.connectionClosed(state: "over")) }
          continue
        }
        bytesReceived += chunk.readableBytes
        do throws(ProtocolError) {
          for frame in try decoder.feed(Data(chunk.readableBytesView)) {
            pending += session.receive(frame)
            if case .ack(let ack) = frame {
              // What the peer has durably committed: checked against the peer after crashes.
              let through = session.acknowledgedThrough.sorted { $0.key < $1.key }.map {
                "\($0.key)#\($0.value)"
              }
              logger.debug(
                "peer acknowledged batch",
                metadata: [
                  "peer": "\(peer)", "batch": "\(ack.number)", "through": "\(through.joined(separator: ","))",
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
    }
    switch outcome {
    case .success(var summary):
      summary.bytesSent = bytesSent
      summary.bytesReceived = bytesReceived
      let elapsed = start.duration(to: clock.now).components
      summary.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
      // A round that moved nothing is routine: keep it out of the default log.
      let moved = summary.changesReceived + summary.changesSent + summary.stubsSent > 0
      logger.log(
        level: moved ? .info : .debug,
        "sync finished",
        metadata: [
          "peer": "\(peer)", "received": "\(summary.changesReceived)",
          "sent": "\(summary.changesSent + summary.stubsSent)",
        ])
      return summary
    case .failure(let error):
      logger.warning("sync failed", metadata: ["peer": "\(peer)", "reason": "\(error)"])
      throw error
    case nil:
      throw ProtocolError.connectionClosed(state: "unfinished")
    }
  }
}

/// Runs blocking work (SQLite, signatures) on NIO's thread pool.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
  try await NIOThreadPool.singleton.runIfActive(work)
}
