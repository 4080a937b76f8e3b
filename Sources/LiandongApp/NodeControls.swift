import Foundation
import LiandongStore

/// What a running node lets its operator do beyond the acts on its data, from a browser or a
/// case system: examine it as `liandong doctor` does, verify it and back it up in the background,
/// and put a new CRL in force in its sync listener at once. `serve` composes it; the API and the
/// console share one, so a verification started on one is followed on the other.
public struct NodeControls: Sendable {
  public let doctor: @Sendable () async throws -> DoctorReport
  /// Called after this node installed a CRL: the sync listener's and dialler's TLS contexts take
  /// it (as on SIGHUP).
  public let trustChanged: @Sendable () -> Void
  public let verifications = BackgroundRun<AuditReport>(busyCode: "verify.running", follow: "GET /v1/verify")
  public let backups = BackgroundRun<NodeBackup.Summary>(busyCode: "backup.running", follow: "GET /v1/backup")

  /// Starts verifying `app`'s node as `liandong verify` does (`--quick` unless `files`).
  @discardableResult
  public func startVerification(of app: NodeApp, files: Bool, by account: String) throws
    -> BackgroundRun<AuditReport>.Status
  {
    try verifications.start(files: files, by: account) { progress in
      try app.verify(quick: !files, progress: progress)
    }
  }

  /// Starts a backup of `app`'s node into its backups folder (`NodeApp.backUpToFolder`).
  @discardableResult
  public func startBackup(of app: NodeApp, by account: String) throws
    -> BackgroundRun<NodeBackup.Summary>.Status
  {
    try backups.start(files: true, by: account) { _ in try app.backUpToFolder() }
  }

  public init(
    doctor: @escaping @Sendable () async throws -> DoctorReport, trustChanged: @escaping @Sendable () -> Void
  ) {
    self.doctor = doctor
    self.trustChanged = trustChanged
  }
}
