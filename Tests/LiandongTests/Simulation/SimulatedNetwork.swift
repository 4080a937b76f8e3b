import Foundation
import LiandongCore

/// The network of a simulation run and all its randomness: which directions are cut, how often a
/// frame is lost, duplicated or overtaken, and how long it takes. Every choice comes from one
/// seeded generator, so a run replays exactly from its seed.
struct SimulatedNetwork {
  var random: SeededGenerator
  /// Up to 30%: a lost frame stalls its stream until the idle timeout closes the connection.
  var loss: Double
  var duplication: Double
  var reordering: Double
  var maximumDelayTicks: Int
  let idleTimeoutTicks = 6
  /// Directions that carry nothing (a one-way partition is one entry, a full one two). An array,
  /// not a set: a set's order changes with each process's hashing, and choices must replay.
  var cut: [Direction] = []
  var figures = SimulationFigures()

  struct Direction: Hashable {
    var from: NodeID
    var to: NodeID
  }

  init(seed: UInt64) {
    random = SeededGenerator(seed: seed)
    loss = [0, 0.02, 0.1, 0.3].randomElement(using: &random)!
    duplication = [0, 0.02, 0.05].randomElement(using: &random)!
    reordering = [0, 0.02, 0.05].randomElement(using: &random)!
    maximumDelayTicks = Int.random(in: 0...3, using: &random)
  }

  /// A network that never fails: what a single clean session runs over.
  static var whole: SimulatedNetwork {
    var network = SimulatedNetwork(seed: 0)
    network.heal()
    return network
  }

  /// The network is whole again: nothing cut, lost, duplicated, overtaken or late.
  mutating func heal() {
    cut = []
    loss = 0
    duplication = 0
    reordering = 0
    maximumDelayTicks = 0
  }

  mutating func chance(_ probability: Double) -> Bool {
    probability > 0 && Double.random(in: 0..<1, using: &random) < probability
  }

  mutating func drops(from: NodeID, to: NodeID) -> Bool {
    if cut.contains(Direction(from: from, to: to)) {
      figures.framesCutOff += 1
      return true
    }
    guard chance(loss) else { return false }
    figures.framesLost += 1
    return true
  }

  mutating func duplicates() -> Bool {
    guard chance(duplication) else { return false }
    figures.framesDuplicated += 1
    return true
  }

  mutating func reorders() -> Bool {
    guard chance(reordering) else { return false }
    figures.framesReordered += 1
    return true
  }

  mutating func delay() -> Int { Int.random(in: 0...maximumDelayTicks, using: &random) }
}

/// What happened in one or more runs, summed, for the line each batch of seeds prints.
struct SimulationFigures {
  var runs = 0
  var ticks = 0
  var changesWritten = 0
  var frames = 0
  var framesLost = 0
  var framesCutOff = 0
  var framesDuplicated = 0
  var framesReordered = 0
  var partitions = 0
  var crashes = 0
  var clockJumps = 0
  /// Nodes restored from a backup taken earlier in the run, which then caught up before writing.
  var restores = 0
  /// Clocks that ran ahead set right; the clock corrections their nodes signed (`ChainTime`), and
  /// the changes those re-timed.
  var clocksSetRight = 0
  var clockCorrections = 0
  var retimedChanges = 0
  var forks = 0
  /// Forks decided after healing (every run that forked), by the authority or the origin.
  var forksDecided = 0
  /// Of those, forks the forked node's own operator decided (`liandong fork keep`).
  var forksDecidedByOrigin = 0
  var sessionsFinished = 0
  var sessionsFailed = 0
  var refusedChanges = 0
  /// Checkpoints a peer passed on that did not check (a signer's certificate not held yet).
  var checkpointsRefused = 0
  var writesRefused = 0
  /// Theft runs (`SimulationTheft`): changes the thief signed, how many of them the nodes withhold
  /// at the end (summed over nodes), and theft runs whose nodes all ended with the same inputs.
  var thefts = 0
  var stolenChanges = 0
  var stolenWithheld = 0
  var theftAgreements = 0
  /// Rotation runs (`SimulationRotation`): rotations signed, runs whose rotation counted on every
  /// node (witnessed before the old certificate's revocation), and runs whose nodes all had the
  /// same inputs.
  var rotations = 0
  var rotationsStanding = 0
  var rotationAgreements = 0
  var blobsReceived = 0
  var acknowledgedChecked = 0
  /// Acknowledged changes missing at the end: must stay 0.
  var acknowledgedMissing = 0
  /// Runs whose invariants failed: must stay 0.
  var failedRuns = 0

  static func + (a: Self, b: Self) -> Self {
    var sum = Self()
    for path: WritableKeyPath<Self, Int> in [
      \.runs, \.ticks, \.changesWritten, \.frames, \.framesLost, \.framesCutOff, \.framesDuplicated,
      \.framesReordered, \.partitions, \.crashes, \.clockJumps, \.restores, \.clocksSetRight,
      \.clockCorrections,
      \.retimedChanges, \.forks, \.forksDecided, \.forksDecidedByOrigin, \.sessionsFinished,
      \.sessionsFailed,
      \.refusedChanges, \.checkpointsRefused, \.writesRefused, \.thefts, \.stolenChanges, \.stolenWithheld,
      \.theftAgreements, \.rotations, \.rotationsStanding, \.rotationAgreements, \.blobsReceived,
      \.acknowledgedChecked,
      \.acknowledgedMissing,
      \.failedRuns,
    ] {
      sum[keyPath: path] = a[keyPath: path] + b[keyPath: path]
    }
    return sum
  }

  /// One line of `key=value` pairs, summed by `scripts/simulate`.
  var line: String {
    "runs=\(runs) ticks=\(ticks) changes=\(changesWritten) frames=\(frames) lost=\(framesLost) "
      + "cut-off=\(framesCutOff) duplicated=\(framesDuplicated) reordered=\(framesReordered) "
      + "partitions=\(partitions) crashes=\(crashes) clock-jumps=\(clockJumps) restores=\(restores) clocks-set-right=\(clocksSetRight) clock-corrections=\(clockCorrections) retimed=\(retimedChanges) forks=\(forks) forks-decided=\(forksDecided) by-origin=\(forksDecidedByOrigin) "
      + "sessions-finished=\(sessionsFinished) sessions-failed=\(sessionsFailed) "
      + "refused-changes=\(refusedChanges) checkpoints-refused=\(checkpointsRefused) writes-refused=\(writesRefused) thefts=\(thefts) "
      + "stolen-changes=\(stolenChanges) stolen-withheld=\(stolenWithheld) theft-agreements=\(theftAgreements) rotations=\(rotations) rotations-standing=\(rotationsStanding) rotation-agreements=\(rotationAgreements) blobs=\(blobsReceived) acknowledged-checked=\(acknowledgedChecked) "
      + "acknowledged-missing=\(acknowledgedMissing) failed-runs=\(failedRuns)"
  }
}
