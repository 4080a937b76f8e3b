import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// What `init` made: the node, its folder, its certificate and the change that announces it.
public struct NodeCreated: Codable, Sendable {
  public var node: String
  public var data: String
  public var certificateFingerprint: String
  public var certificateNotAfter: String
  public var firstChange: String
  /// The federation's algorithm suite: `p256`, `ed25519` or `sm`.
  public var suite: String
  /// Where the log is kept: `liandong.sqlite`, or a hub's PostgreSQL URL without its password.
  public var store: String

  /// The hash the fingerprint is, as a person reads it.
  public var fingerprintAlgorithm: String { (CryptoSuite(rawValue: suite) ?? .p256).digest.displayName }
}

/// The acts on a node's data folder as a whole: creating it, backing it up, restoring it, and
/// writing an evidence bundle out of it.
extension NodeApp {
  /// Creates a node in an empty folder from what the federation CA issued; nothing is written
  /// unless the certificate chains to the CA, names `node`, matches the key and is not revoked.
  /// With `store`, a hub: its log goes to that PostgreSQL database, which must hold none yet.
  public static func initialize(
    _ directory: URL, node: NodeID, caPEM: Data, certificatePEM: Data, keyPEM: Data, crlPEM: Data?,
    transport: (certificatePEM: Data, keyPEM: Data)? = nil, store: String? = nil, by officer: Officer
  ) throws -> (NodeApp, NodeCreated) {
    let home = try NodeHome.initialize(
      directory, node: node, caPEM: caPEM, certificatePEM: certificatePEM, keyPEM: keyPEM, crlPEM: crlPEM,
      transport: transport, store: store, officer: officer.id)
    let created = NodeCreated(
      node: node.rawValue, data: home.directory.path, certificateFingerprint: home.chain[0].fingerprint.hex,
      certificateNotAfter: home.chain[0].notAfter.iso8601, firstChange: try home.store.log().first?.id ?? "",
      suite: home.trust.suite.rawValue, store: home.configuration.storeLocation.shown)
    return (NodeApp(home: home), created)
  }

  /// Restores a backup into a new folder, checking every file; the node then refuses to write
  /// until a sync has brought back what it signed after the backup.
  public static func restore(_ backup: URL, into directory: URL) throws -> NodeBackup.Summary {
    try NodeBackup.restore(backup, into: directory)
  }

  /// Writes a backup of the database (online), the identity and the evidence files to one file.
  public func backUp(to file: URL) throws -> NodeBackup.Summary { try NodeBackup.write(home, to: file) }

  /// Where a backup started from the API or the console is written: `backups/` in the node's
  /// folder, readable by its owner alone. The operator's own backup system copies each file off
  /// the machine (a backup on the node's disk dies with it) and removes it.
  public var backupFolder: URL { home.directory.appendingPathComponent("backups") }

  /// A backup in `backupFolder`, named after the node and the time in UTC
  /// (`liandong-jjj-20261204T081500.250Z.tar`), so that the names sort as the backups were taken.
  public func backUpToFolder(now: Date = Date()) throws -> NodeBackup.Summary {
    do {
      try FileManager.default.createDirectory(
        at: backupFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw StoreError.unwritableFile(path: backupFolder.path, reason: SystemError.reason(error))
    }
    let format = DateFormatter()
    format.locale = Locale(identifier: "en_US_POSIX")
    format.timeZone = TimeZone(identifier: "UTC")
    format.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
    return try backUp(
      to: backupFolder.appendingPathComponent("liandong-\(node)-\(format.string(from: now)).tar"))
  }

  /// Writes the evidence bundle of `item` (a lead, request or case, or one evidence item) into a
  /// new folder, for a court or police office to verify with openssl alone.
  public func exportEvidence(of item: ObjectID, to directory: URL) throws -> EvidenceBundle.Summary {
    try EvidenceBundle(home: home).write(item: item.description, to: directory)
  }

  /// The same bundle as one tar file, for a browser or a case system to download: packed in the
  /// node's folder (`exports/`), opened, and its name removed at once, so the open handle reads
  /// it to the end and nothing is left on the disk however the download ends. The caller closes
  /// the handle.
  public func openEvidenceArchive(of item: ObjectID) throws -> EvidenceArchive {
    let (file, summary) = try exportEvidenceArchive(of: item)
    defer { try? FileManager.default.removeItem(at: file) }
    do {
      let handle = try FileHandle(forReadingFrom: file)
      do {
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        return EvidenceArchive(
          handle: handle, size: size, name: "证据包-\(item.description.prefix(8)).tar", summary: summary)
      } catch {
        try? handle.close()
        throw error
      }
    } catch {
      throw BundleError.archiveFailed("it was packed but cannot be read back (\(SystemError.reason(error)))")
    }
  }

  /// The bundle as a tar file in `exports/`; the caller removes it. Nothing is left behind on a
  /// failure.
  func exportEvidenceArchive(of item: ObjectID) throws -> (file: URL, summary: EvidenceBundle.Summary) {
    let folder = home.directory.appendingPathComponent("exports")
    let fileManager = FileManager.default
    try fileManager.createDirectory(
      at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    // A download cut short by a crash left its file: gone an hour later, at the next export.
    for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? [] {
      let old = folder.appendingPathComponent(name)
      if let modified = (try? fileManager.attributesOfItem(atPath: old.path))?[.modificationDate] as? Date,
        modified < Date().addingTimeInterval(-3600)
      {
        try? fileManager.removeItem(at: old)
      }
    }
    let file = folder.appendingPathComponent("\(UUID().uuidString).tar")
    let summary = try EvidenceBundle(home: home).writeArchive(
      item: item.description, to: file, folderName: "evidence-\(item.description.prefix(8))")
    return (file, summary)
  }
}

/// An evidence bundle packed as one tar file, open for reading, its name already gone.
public struct EvidenceArchive: @unchecked Sendable {
  public let handle: FileHandle
  public let size: UInt64
  /// The name to offer the file under (证据包-<the item's first eight characters>.tar).
  public let name: String
  public let summary: EvidenceBundle.Summary
}
