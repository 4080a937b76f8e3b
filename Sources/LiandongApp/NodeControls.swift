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

  public init(
    doctor: @escaping @Sendable () async throws -> DoctorReport, trustChanged: @escaping @Sendable () -> Void
  ) {
    self.doctor = doctor
    self.trustChanged = trustChanged
  }
}
