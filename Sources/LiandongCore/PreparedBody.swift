import Foundation

/// A change body encoded, and decoded back from those very bytes, before its write transaction.
///
/// A node folds what its changes' bytes say, never the value it encoded them from, so that it
/// and its peers fold the same thing even if an encoding were ever lossy: every local change's
/// body is decoded again on the way into the store. A bulk import of 500-lead changes spent a
/// sixth of its one busy core encoding and decoding inside its transactions (BENCHMARKS.md, B2);
/// prepared ahead, that work runs on the other core while the writer writes.
public struct PreparedBody: Sendable {
  public let bytes: Data
  /// `bytes` decoded; nil if they do not decode, as `SignedChange.decodedBody()` would give.
  public let decoded: ChangeBody?

  public init(_ body: ChangeBody) {
    bytes = WireCoding.encodeBody(body)
    decoded = WireCoding.decodeBody(bytes)
  }
}
