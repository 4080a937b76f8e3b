import Foundation
import LiandongCore
import LiandongErrors
import LiandongProtocol
import LiandongStore
import LiandongTLS
import Logging
import NIOCore
import NIOPosix

/// Checks that a peer answers, that the two nodes trust each other, and how far apart their
/// clocks are, without exchanging anything: the mutual-TLS handshake, then the peer's Hello
/// (which carries its clock), then a Hello of ours with the `probe` capability, which ends the
/// session on the peer's side as finished. Nothing is stored on either node.
public enum PeerProbe {
  public struct Reading: Sendable {
    public var peer: String
    public var address: String
    /// Why the peer could not be reached or trusted; nil when it answered.
    public var failure: (any Error)?
    /// From the end of the handshake to the peer's Hello.
    public var roundTrip: TimeInterval?
    /// The peer's clock minus ours, nil when the peer does not send its clock (an older node).
    public var clockOffset: TimeInterval?
  }

  public static func probe(
    _ peer: PeerView, home: NodeHome, context: TLSContext, logger: Logger, timeout: Duration = .seconds(10)
  ) async -> Reading {
    var reading = Reading(peer: peer.node, address: peer.address)
    do {
      let node = try NodeID(peer.node)
      let (host, port) = try PeerAddress.parse(peer.address)
      let (roundTrip, offset) = try await withDeadline(timeout) {
        let connection = try await TLSConnector.connect(
          host: host, port: port, context: context, expectedPeer: node,
          group: MultiThreadedEventLoopGroup.singleton, logger: logger,
          connectTimeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        let handshakeEnded = Date()
        let hello = try await connection.channel.executeThenClose { inbound, outbound in
          var decoder = FrameDecoder()
          for try await chunk in inbound {
            for frame in try decoder.feed(chunk.readableBytesView) {
              switch frame {
              case .hello(let hello):
                let probe = SyncHello(
                  node: home.node.rawValue, vector: hello.vector, heads: hello.heads,
                  capabilities: [SyncSession.probeCapability], clockMillis: Date().unixMillis)
                try await outbound.write(ByteBuffer(frame: .hello(probe)))
                return hello
              case .failure(let code, let message):
                throw ProtocolError.peerFailed(code: code, message: message)
              default:
                throw ProtocolError.unexpectedFrame(
                  frame: "\(frame)".prefix(40).description, state: "awaiting hello")
              }
            }
          }
          throw ProtocolError.closedBeforeHello(peer: peer.node)
        }
        let roundTrip = Date().timeIntervalSince(handshakeEnded)
        let sent = handshakeEnded.addingTimeInterval(roundTrip / 2)
        return (roundTrip, hello.clockMillis.map { TimeInterval($0) / 1000 - sent.timeIntervalSince1970 })
      }
      reading.roundTrip = roundTrip
      reading.clockOffset = offset
    } catch {
      reading.failure = error
    }
    return reading
  }

  /// Runs `work`, failing with `sync.unreachable` if it takes longer than `limit` (a peer that
  /// accepts the connection and then says nothing).
  private static func withDeadline<T: Sendable>(
    _ limit: Duration, _ work: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask { try await work() }
      group.addTask {
        try await Task.sleep(for: limit)
        return nil
      }
      let first = try await group.next() ?? nil
      group.cancelAll()
      guard let first else {
        throw UsageError(
          code: "sync.unreachable", message: "the peer did not answer within \(limit.components.seconds) s")
      }
      return first
    }
  }
}
