import Foundation
import LiandongCore
import LiandongStore

extension NodeApp {
  /// Re-verifies every stored change (signature, certificate at the change's time, body hash,
  /// chain) with the trust in force, and lists the refused operations, forks and quarantined
  /// origins: facts of the log, reported beside any damage.
  public func verify(now: Date = Date()) throws -> AuditReport {
    var report = try store.audit(verifier: local.verifier, physicalMillis: now.unixMillis)
    report.refusedOperations = try store.refusals()
    report.forks = try store.forks()
    report.quarantined = try store.quarantinedOrigins()
    return report
  }

  /// Drops every projection and replays the log; returns the projection digest before and after,
  /// which differ only if the projections had drifted from the log (and are now repaired).
  public func rebuild() throws -> (before: String, after: String) {
    let before = try store.projectionDigest()
    try store.rebuild()
    return (before, try store.projectionDigest())
  }
}
