import Foundation
import LiandongCore
import LiandongStore

/// Writes a fetched blob's chunks to its partial file (and hashes them) in a task of its own,
/// so the session loop goes on decoding the next chunks, and the peer goes on sending, while a
/// chunk is written and every 4 MiB made durable. At most `room` chunks wait (4 MiB), so a disk
/// slower than the network holds the peer back instead of filling memory.
struct BlobWriter: Sendable {
  enum Operation: Sendable {
    case append(BlobReceiver, offset: UInt64, data: Data, last: Bool)
    /// Keep what is durable for another session (the peer refused, or the session ended).
    case suspend(BlobReceiver)
  }

  /// Chunks that may wait to be written.
  static let room = 16

  let operations: AsyncStream<Operation>
  let credits: Credits
  let events: AsyncStream<SessionEvent>.Continuation

  /// Performs the operations in order until their stream ends. After the last chunk of a blob, or
  /// when a write fails, the loop hears of it through a `.blobWritten` event; the chunks still
  /// queued for a blob whose write failed are dropped.
  func run() async {
    var broken: ObjectIdentifier? = nil
    for await operation in operations {
      switch operation {
      case .append(let receiver, let offset, let data, let last):
        defer { credits.give() }
        if broken == ObjectIdentifier(receiver) { continue }
        do {
          let receipt = try await offload { () throws -> BlobReceipt? in
            try receiver.append(data, at: offset)
            return last ? try receiver.finish() : nil
          }
          if let receipt { events.yield(.blobWritten(receiver.need, .success(receipt))) }
        } catch {
          broken = ObjectIdentifier(receiver)
          events.yield(.blobWritten(receiver.need, .failure(error)))
        }
      case .suspend(let receiver):
        if broken == ObjectIdentifier(receiver) { continue }
        do { try await offload { try receiver.suspend() } } catch {
          events.yield(.blobWritten(receiver.need, .failure(error)))
        }
      }
    }
  }
}
