import Foundation
import LiandongStore
import Logging
import Metrics
import ServiceLifecycle

/// Reads every evidence file this node holds against its SHA-256, over and over, at a bounded
/// rate, so that a file altered or lost on the disk is found without an operator running
/// `verify`: it is then set aside, recorded damaged in its chain of custody, never served, and
/// fetched again from a peer (`NodeHome.recordDamage`). The rate keeps the scrub from competing
/// with sync and officers for the disk; a pass that finishes early waits before the next.
public struct EvidenceScrubService: Service {
  public struct Pace: Sendable {
    /// Bytes read per second at most.
    public var bytesPerSecond: Int
    /// The wait after a pass over every file, before the next.
    public var restBetweenPasses: Duration

    public init(bytesPerSecond: Int = 8 << 20, restBetweenPasses: Duration = .seconds(3600)) {
      self.bytesPerSecond = bytesPerSecond
      self.restBetweenPasses = restBetweenPasses
    }
  }

  let home: NodeHome
  let pace: Pace
  let logger: Logger

  public init(home: NodeHome, pace: Pace, logger: Logger) {
    self.home = home
    self.pace = pace
    self.logger = logger
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown { await scrubForever() }
  }

  private func scrubForever() async {
    var after: Data? = nil
    while !Task.isCancelled {
      let page: [HeldFile]
      do { page = try home.store.heldFiles(after: after, limit: 100) } catch {
        logger.warning("the evidence scrub cannot list the files held", metadata: ["error": "\(error)"])
        page = []
      }
      guard let last = page.last else {
        after = nil
        try? await Task.sleep(for: pace.restBetweenPasses)
        continue
      }
      for file in page {
        guard await scrub(file) else { return }
      }
      after = last.sha256
    }
  }

  /// Checks one file a piece at a time, sleeping after each piece as long as reading it should
  /// take at the pace; false when cancelled.
  private func scrub(_ file: HeldFile) async -> Bool {
    let check = home.blobs.startCheck(file)
    while let piece = check.readNext() {
      do {
        try await Task.sleep(for: .seconds(Double(piece) / Double(max(1, pace.bytesPerSecond))))
      } catch { return false }
    }
    if let unavailable = check.unavailable {
      logger.warning(
        "the evidence scrub cannot read the object store; it goes on with the next file",
        metadata: ["blob": "\(file.sha256.hex)", "error": "\(unavailable)"])
      return true
    }
    Counter(label: "liandong_evidence_files_scrubbed_total").increment()
    guard let finding = check.finding else { return true }
    logger.error(
      "an evidence file is damaged on this node's disk; set aside, to be fetched again from a peer",
      metadata: ["blob": "\(file.sha256.hex)", "finding": "\(finding)"])
    do { try home.recordDamage(of: file.sha256, finding: finding) } catch {
      logger.error("recording a damaged evidence file failed", metadata: ["error": "\(error)"])
    }
    return true
  }
}
