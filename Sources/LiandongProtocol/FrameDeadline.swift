/// How long a peer may take to finish a frame it has begun. The TLS idle timeout closes a silent
/// connection, but a peer that drips one byte at a time keeps it alive forever while holding a
/// session and its memory; a frame must therefore arrive whole within `limit` of its first byte.
/// Frames are at most about a megabyte in practice (a batch, a 256 KiB blob chunk), so the default
/// asks less than 20 KB/s of an honest link.
public struct FrameDeadline: Sendable {
  public static let defaultLimit: Duration = .seconds(60)
  public let limit: Duration
  private var partialSince: ContinuousClock.Instant? = nil

  public init(limit: Duration = FrameDeadline.defaultLimit) { self.limit = limit }

  /// Call after each read with whether it completed a frame and the decoder's leftover bytes:
  /// throws once a partial frame has been waiting longer than `limit`.
  public mutating func check(completedFrame: Bool, pendingBytes: Int, now: ContinuousClock.Instant)
    throws(ProtocolError)
  {
    guard pendingBytes > 0 else {
      partialSince = nil
      return
    }
    guard let since = partialSince, !completedFrame else {
      partialSince = now
      return
    }
    if since.duration(to: now) > limit {
      throw .slowFrame(seconds: Int(limit.components.seconds))
    }
  }
}
