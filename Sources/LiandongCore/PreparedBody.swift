import Dispatch
import Foundation
import Synchronization

/// A change body encoded, and decoded back from those very bytes, before its write transaction.
///
/// A node folds what its changes' bytes say, never the value it encoded them from, so that it
/// and its peers fold the same thing even if an encoding were ever lossy: every local change's
/// body is decoded again on the way into the store. A bulk import of 500-lead changes spent a
/// sixth of its one busy core encoding and decoding inside its transactions (BENCHMARKS.md, B2);
/// prepared ahead, that work runs on the other core while the writer writes. A received batch's
/// bodies are decoded ahead the same way, while the batch before it commits.
public struct PreparedBody: Sendable {
  public let bytes: Data
  /// `bytes` decoded; nil if they do not decode, as `SignedChange.decodedBody()` would give.
  public let decoded: ChangeBody?

  public init(_ body: ChangeBody) {
    self.init(decoding: WireCoding.encodeBody(body))
  }

  /// A received body, decoded ahead of its transaction.
  public init(decoding bytes: Data) {
    self.bytes = bytes
    decoded = WireCoding.decodeBody(bytes)
  }

  /// The bodies of `changes`, index for index (nil for a stub), decoded on every core.
  public static func decoding(_ changes: [SignedChange]) -> [PreparedBody?] {
    let chunk = 64
    let decoded = Mutex([PreparedBody?](repeating: nil, count: changes.count))
    DispatchQueue.concurrentPerform(iterations: (changes.count + chunk - 1) / chunk) { slice in
      let range = slice * chunk..<min(changes.count, (slice + 1) * chunk)
      let mine = range.map { changes[$0].body.map(PreparedBody.init(decoding:)) }
      decoded.withLock { $0.replaceSubrange(range, with: mine) }
    }
    return decoded.withLock { $0 }
  }
}
