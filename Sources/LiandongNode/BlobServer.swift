import Foundation
import LiandongCore
import LiandongCrypto
import LiandongProtocol
import LiandongStore
import Logging
import NIOCore
import Synchronization

/// Serves one peer's blob requests in order, beside the session loop: it checks that the peer is
/// entitled (DESIGN.md invariant 3), then streams the file in chunks, waiting for room in the
/// outbound queue before each, so a blob of any size costs a few megabytes.
struct BlobServer: Sendable {
  struct Request: Sendable {
    var sha256: Data
    var offset: UInt64
  }

  /// What was served, for the session's summary.
  final class Tally: Sendable {
    private let counts = Mutex((blobs: 0, bytes: 0))
    func add(blobs: Int = 0, bytes: Int) {
      counts.withLock {
        $0.blobs += blobs; $0.bytes += bytes
      }
    }
    var blobs: Int { counts.withLock { $0.blobs } }
    var bytes: Int { counts.withLock { $0.bytes } }
  }

  /// Requests a peer may have waiting; an honest peer has one outstanding.
  static let maximumWaiting = 4

  let home: NodeHome
  let peer: NodeID
  let queue: OutboundQueue
  let logger: Logger
  let tally: Tally

  var blobs: BlobStore { home.blobs }

  func run(_ requests: AsyncStream<Request>) async {
    for await request in requests {
      if queue.isClosed { return }
      await serve(request)
    }
  }

  private func serve(_ request: Request) async {
    let sha256 = request.sha256
    let decision: ServingDecision
    do {
      decision = try await offload { try blobs.decideServing(sha256, to: peer, from: request.offset) }
    } catch {
      return refuse(
        sha256, code: "blob.unavailable", message: "this node cannot read its blob store: \(error)")
    }
    switch decision {
    case .refuse(let code, let message):
      logger.warning(
        "refused a blob request", metadata: ["peer": "\(peer)", "code": "\(code)", "blob": "\(sha256.hex)"])
      refuse(sha256, code: code, message: message)
    case .serve(let size):
      // A file deleted or cut short on this disk is caught here, before a byte is sent; one
      // altered in place is caught by the receiver's hash and by this node's scrub.
      let finding: BlobFinding?
      do { finding = try await offload { try blobs.quickCheck(HeldFile(sha256: sha256, size: size)) } } catch
      {
        return refuse(
          sha256, code: "blob.unavailable", message: "this node cannot read its evidence store now: \(error)")
      }
      if let finding {
        logger.error(
          "an evidence file is damaged on this node's disk; set aside, to be fetched again",
          metadata: ["blob": "\(sha256.hex)", "finding": "\(finding)"])
        try? await offload { try home.recordDamage(of: sha256, finding: finding) }
        return refuse(sha256, code: "blob.unavailable", message: "this node's copy of the blob is damaged")
      }
      var position = request.offset
      while true {
        await queue.waitForRoom()
        if queue.isClosed { return }
        let from = position
        let data: Data
        do {
          data = try await offload {
            try blobs.read(sha256, offset: from, maximumBytes: BlobTransfer.chunkBytes)
          }
        } catch {
          return refuse(sha256, code: "blob.unavailable", message: "reading the blob failed: \(error)")
        }
        let last = position + UInt64(data.count) >= size
        guard !data.isEmpty || last else {
          return refuse(sha256, code: "blob.unavailable", message: "the blob file is shorter than its record")
        }
        queue.enqueue(ByteBuffer(frame: .blobChunk(sha256: sha256, offset: position, data: data, last: last)))
        position += UInt64(data.count)
        tally.add(bytes: data.count)
        if last { break }
      }
      tally.add(blobs: 1, bytes: 0)
      logger.debug(
        "served a blob", metadata: ["peer": "\(peer)", "blob": "\(sha256.hex)", "bytes": "\(size)"])
    }
  }

  private func refuse(_ sha256: Data, code: String, message: String) {
    queue.enqueue(ByteBuffer(frame: .blobRefused(sha256: sha256, code: code, message: message)))
  }
}
