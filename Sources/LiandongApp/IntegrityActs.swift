import Foundation
import LiandongCore
import LiandongStore

extension NodeApp {
  /// Re-verifies every stored change (signature, certificate at the change's time, body hash,
  /// chain) with the trust in force, and lists the refused operations, forks and quarantined
  /// origins: facts of the log, reported beside any damage.
  ///
  /// It also runs SQLite's integrity check on the database file (`StoreHealth`), and reads every evidence file
  /// held again against its SHA-256 (unless `quick`, which runs the quick form of the database
  /// check and reads no file). A file found altered or missing is set aside and recorded damaged
  /// (`recordDamage`), so it is fetched again. `progress` hears of the bytes read so far.
  public func verify(
    quick: Bool = false, now: Date = Date(),
    progress: (_ bytesRead: UInt64, _ bytesTotal: UInt64) -> Void = { _, _ in }
  ) throws -> AuditReport {
    var report = AuditReport()
    // SQLite's own check of its file; on a hub, the database's schema (PostgreSQL checks its
    // own pages as it reads them, with data checksums when the cluster was made with them).
    report.databaseProblems = try StoreHealth.problems(of: store, quick: quick)
    // A damaged file may be read wrong by every query below; its problems are the answer.
    guard report.databaseProblems.isEmpty else { return report }
    let audit = try store.audit(verifier: local.verifier, physicalMillis: now.unixMillis)
    report.changesChecked = audit.changesChecked
    report.stubs = audit.stubs
    // Damaged bodies are set aside and asked of peers; they stay failures until they are back.
    // (Best effort: on a read-only folder they are reported as the audit found them.)
    _ = try? store.setAsideDamagedBodies(
      audit.failures.filter { $0.code == "change.body-hash" || $0.code == "change.body-size" }.compactMap {
        Data(hex: $0.change).flatMap(ChangeID.init(bytes:))
      })
    // Found now, a body is named by the audit's own code; set aside earlier, by its own.
    let auditNamed = Set(audit.failures.map(\.change))
    report.failures =
      audit.failures + (try store.awaitedDamagedBodies()).filter { !auditNamed.contains($0.change) }
    report.refusedOperations = try store.refusals()
    report.forks = try store.forks()
    report.quarantined = try store.quarantinedOrigins()
    report.withheld = try store.withheldChanges()
    var found: [DamagedFile] = []
    if !quick { (report.filesChecked, found) = try checkEvidenceFiles(progress: progress, now: now) }
    report.damagedFiles = DamagedFile.merged(recorded: try store.damagedFiles(), found: found)
    return report
  }

  /// Reads every evidence file held against its SHA-256, and records each one found altered or
  /// missing as damaged (where the folder may be written); returns how many were read, and what
  /// was found.
  func checkEvidenceFiles(progress: (_ bytesRead: UInt64, _ bytesTotal: UInt64) -> Void, now: Date) throws
    -> (checked: Int, found: [DamagedFile])
  {
    var found: [DamagedFile] = []
    let total = UInt64(max(0, try store.blobCounts().heldBytes))
    var read: UInt64 = 0
    var checked = 0
    var after: Data? = nil
    while true {
      let page = try store.heldFiles(after: after, limit: 500)
      guard let last = page.last else { return (checked, found) }
      for file in page {
        if let finding = try local.blobs.check(
          file,
          onPiece: {
            read += UInt64($0); progress(read, total)
          })
        {
          try? home.recordDamage(of: file.sha256, finding: finding)
          found.append(
            DamagedFile(sha256: file.sha256.hex, finding: finding.description, foundAt: now.iso8601))
        }
        checked += 1
      }
      after = last.sha256
    }
  }

  /// Drops every projection and replays the log; returns the projection digest before and after,
  /// which differ only if the projections had drifted from the log (and are now repaired).
  public func rebuild() throws -> (before: String, after: String) {
    let before = try store.projectionDigest()
    try store.rebuild()
    return (before, try store.projectionDigest())
  }
}
