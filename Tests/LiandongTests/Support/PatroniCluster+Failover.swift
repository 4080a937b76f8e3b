import Foundation
import LiandongTesting
import Testing

extension PatroniCluster {
  /// One failover under `writes`: the primary killed with SIGKILL once the other member is its
  /// synchronous standby (until then a commit is acknowledged before any standby has it), then
  /// restarted. Records an issue for each step that does not happen in time; returns the killed
  /// member, the member that took over, the seconds until a write begun after the kill was
  /// acknowledged (nil if none within 60 s), and the seconds the old primary took to rejoin.
  func failOver(
    under writes: WriteLedger, sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> (killed: Int, successor: Int?, downtime: Double?, rejoin: Double)? {
    guard let leader else {
      Issue.record("no member leads", sourceLocation: sourceLocation)
      return nil
    }
    #expect(
      await eventually(60) { self.role(of: 1 - leader) == "sync_standby" },
      "pg\(2 - leader) became the synchronous standby", sourceLocation: sourceLocation)
    let killedAt = Date()
    kill9(leader)
    let resumed = await eventually(60) { writes.resumed(after: killedAt) != nil }
    let downtime = writes.resumed(after: killedAt).map { $0.timeIntervalSince(killedAt) }
    #expect(resumed, "writes resumed after the primary was killed", sourceLocation: sourceLocation)
    #expect(
      (downtime ?? .infinity) < 30, "writes resumed \(downtime ?? -1) s after the kill",
      sourceLocation: sourceLocation)
    let successor = self.leader
    try startMember(leader)
    let rejoinStart = Date()
    #expect(
      await eventually(90) { self.role(of: leader) == "sync_standby" },
      "the old primary rejoined as the synchronous standby", sourceLocation: sourceLocation)
    return (leader, successor, downtime, Date().timeIntervalSince(rejoinStart))
  }
}
