/// A hybrid logical clock timestamp (Kulkarni et al.): close to wall time, yet strictly ordered
/// along causality even when wall clocks disagree or step backwards.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var wallMillis: UInt64
  public var counter: UInt32

  public init(wallMillis: UInt64, counter: UInt32 = 0) {
    self.wallMillis = wallMillis
    self.counter = counter
  }

  public static let zero = HLCTimestamp(wallMillis: 0)

  public static func < (a: HLCTimestamp, b: HLCTimestamp) -> Bool {
    (a.wallMillis, a.counter) < (b.wallMillis, b.counter)
  }

  public var description: String { "\(wallMillis).\(counter)" }
}

/// The clock itself: pure state; the caller supplies physical time, so tests control it.
public struct HybridLogicalClock: Sendable {
  /// The latest timestamp issued or observed. The store restores it from the log on start, so the
  /// clock never goes backwards across restarts either.
  public private(set) var latest: HLCTimestamp

  /// How far ahead of a node's wall clock a change's time may be before it waits
  /// (`ChainTime.aheadMillis`), unless `node.json` says otherwise. A peer with a runaway clock
  /// would otherwise drag every node's clock forward.
  public static let defaultMaximumDriftMillis: UInt64 = 5 * 60 * 1000

  public init(latest: HLCTimestamp = .zero) {
    self.latest = latest
  }

  /// A timestamp for a local event, later than everything issued or observed so far.
  public mutating func tick(physicalMillis: UInt64) -> HLCTimestamp {
    if physicalMillis > latest.wallMillis {
      latest = HLCTimestamp(wallMillis: physicalMillis, counter: 0)
    } else if latest.counter == .max {
      latest = HLCTimestamp(wallMillis: latest.wallMillis + 1, counter: 0)
    } else {
      latest.counter += 1
    }
    return latest
  }
}
