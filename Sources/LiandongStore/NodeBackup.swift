import Foundation
import GRDB
import LiandongCore
import LiandongCrypto
import LiandongErrors

/// A node's backup: one tar file holding a consistent copy of the database (SQLite's online
/// backup, taken while the node runs), its identity and configuration, every complete evidence
/// file the database knows of, and `MANIFEST.sha256` over all of them (`sha256sum -c` reads it).
public enum NodeBackup {
  public struct Summary: Codable, Sendable {
    public var file: String
    public var node: String
    public var changes: Int
    public var blobs: Int
    public var bytes: UInt64
    /// Evidence files found altered or missing on this node's disk while the backup was made:
    /// left out of it, recorded damaged on the node (and in the backup), fetched again by sync.
    public var damaged: [DamagedFile] = []

    /// Every evidence file was found intact and is in the backup.
    public var ok: Bool { damaged.isEmpty }
  }

  /// `tls.pem` and `tls.key` exist in an `sm` federation only; absent files are skipped.
  static let identityFiles = ["node.json", "ca.pem", "crl.pem", "node.pem", "node.key", "tls.pem", "tls.key"]

  /// The backup holds the node's private key, so it is created readable by its owner alone
  /// (mode 0600) before anything is written into it; a failed backup leaves no file behind.
  public static func write(_ home: NodeHome, to file: URL) throws -> Summary {
    guard let database = home.database else {
      throw StoreError.hubBackup(location: home.configuration.storeLocation.shown)
    }
    let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw errno == EEXIST
        ? StoreError.backupFailed(reason: "\(file.path) exists; name a new file for the backup")
        : StoreError.unwritableFile(path: file.path, reason: String(cString: strerror(errno)).lowercased())
    }
    close(descriptor)
    do { return try writeContent(home, database, to: file) } catch {
      try? FileManager.default.removeItem(at: file)
      throw error
    }
  }

  private static func writeContent(_ home: NodeHome, _ database: NodeStore, to file: URL) throws -> Summary {
    let fileManager = FileManager.default
    let staging = file.deletingLastPathComponent().appendingPathComponent(
      ".liandong-backup-\(UUID().uuidString)")
    try fileManager.createDirectory(
      at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    defer { try? fileManager.removeItem(at: staging) }

    // The object store's credentials, when kept in the data folder, belong to the node as its
    // key does: a restore without them could not read the evidence files.
    let credentials = [home.configuration.evidenceStore?.credentials].compactMap { $0 }.filter {
      !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..")
    }
    for name in identityFiles + credentials
    where fileManager.fileExists(atPath: home.directory.appendingPathComponent(name).path) {
      let destination = staging.appendingPathComponent(name)
      try fileManager.createDirectory(
        at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
      try fileManager.copyItem(at: home.directory.appendingPathComponent(name), to: destination)
    }
    // A consistent snapshot, whatever the node is doing meanwhile.
    let databaseFile = staging.appendingPathComponent("liandong.sqlite").path
    let copy = try DatabaseQueue(path: databaseFile)
    try StoreError.translatingErrors(path: home.directory.appendingPathComponent("liandong.sqlite").path) {
      try database.writer.backup(to: copy)
    }
    // A damaged database copies page by page without complaint, and restore would then refuse
    // it: it is refused here, while the operator can still act on the node.
    let problems = try StoreError.translatingErrors(path: databaseFile) {
      try copy.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
    }
    guard problems == ["ok"] else {
      throw StoreError.database(
        code: "store.damaged", path: home.directory.appendingPathComponent("liandong.sqlite").path,
        reason:
          "fails SQLite's integrity check (\(problems.prefix(3).joined(separator: "; "))), so no backup was written"
      )
    }
    let (changes, blobs) = try copy.read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes") ?? 0,
        try String.fetchAll(db, sql: "SELECT sha256 FROM blobs")
      )
    }
    // Closed, so that its WAL is folded in and gone before the manifest lists the files.
    try copy.close()
    // The files the snapshot says are complete; later ones belong to the next backup.
    var linked: [(sha256: Data, relative: String)] = []
    var damaged: [(sha256: Data, finding: BlobFinding)] = []
    for hex in blobs {
      guard let sha256 = Data(hex: hex) else { continue }
      let relative = "blobs/\(hex.prefix(2))/\(hex)"
      let destination = staging.appendingPathComponent(relative)
      try fileManager.createDirectory(
        at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
      // A file in an object store is copied down into the backup, so that a backup holds
      // everything the node needs whatever it is restored onto.
      guard let source = home.blobs.shelf.localFile(sha256) else {
        if let finding = try Self.download(sha256, from: home.blobs, to: destination) {
          damaged.append((sha256, finding))
        } else {
          linked.append((sha256, relative))
        }
        continue
      }
      guard fileManager.fileExists(atPath: source.path) else {
        damaged.append((sha256, .missing))
        continue
      }
      do { try fileManager.linkItem(at: source, to: destination) } catch {
        try fileManager.copyItem(at: source, to: destination)
      }
      linked.append((sha256, relative))
    }
    var sums = try fileSums(of: staging)
    // Every file is read for the manifest anyway: a file whose hash is not its name is damaged.
    // The manifest is SHA-256 whatever the suite; in an `sm` federation files are named by SM3,
    // so they are read once more for it.
    let digest = home.blobs.digest
    func named(_ relative: String) throws -> String? {
      digest == .sha256
        ? sums[relative] : try sum(of: staging.appendingPathComponent(relative), digest: digest)
    }
    for file in linked where try named(file.relative) != file.sha256.hex {
      damaged.append((file.sha256, .contentChanged(actualSHA256: try named(file.relative) ?? "?")))
      try fileManager.removeItem(at: staging.appendingPathComponent(file.relative))
      sums[file.relative] = nil
    }
    if !damaged.isEmpty {
      // Best effort on the node (its folder may be read-only); the backup records them below.
      for file in damaged { try? home.recordDamage(of: file.sha256, finding: file.finding) }
      // The backup records them as this node now does: not held, damaged, to be fetched again.
      let copy = try DatabaseQueue(path: databaseFile)
      defer { try? copy.close() }
      try copy.write { db in
        for file in damaged {
          try db.execute(sql: "DELETE FROM blobs WHERE sha256 = ?", arguments: [file.sha256.hex])
          try db.execute(
            sql: "INSERT OR REPLACE INTO blob_damage (sha256, finding, found_at) VALUES (?, ?, ?)",
            arguments: [file.sha256.hex, file.finding.description, Date().iso8601])
        }
      }
    }
    // Only the database changed since the files were summed.
    if !damaged.isEmpty { sums["liandong.sqlite"] = try sum(of: URL(fileURLWithPath: databaseFile)) }
    let manifest = Self.lines(sums)
    try Data(manifest.joined(separator: "\n").appending("\n").utf8).write(
      to: staging.appendingPathComponent("MANIFEST.sha256"))
    try tar(["-cf", file.path, "-C", staging.path, "."])
    let bytes = (try fileManager.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.uint64Value ?? 0
    try database.recordBackup(file: file.path, bytes: bytes, changes: changes)
    // What the node had recorded before, and what this backup found (recorded or not).
    let found = damaged.map {
      DamagedFile(sha256: $0.sha256.hex, finding: $0.finding.description, foundAt: Date().iso8601)
    }
    return Summary(
      file: file.path, node: home.node.rawValue, changes: changes, blobs: blobs.count - damaged.count,
      bytes: bytes, damaged: DamagedFile.merged(recorded: try home.store.damagedFiles(), found: found))
  }

  /// Restores a backup into an empty folder, checks every file against the manifest and the
  /// database's integrity, and marks the node as needing to catch up before it writes.
  public static func restore(_ file: URL, into directory: URL) throws -> Summary {
    let fileManager = FileManager.default
    guard fileManager.fileExists(atPath: file.path) else {
      throw StoreError.backupFailed(reason: "no backup at \(file.path)")
    }
    if fileManager.fileExists(atPath: directory.path),
      !(try fileManager.contentsOfDirectory(atPath: directory.path)).isEmpty
    {
      throw StoreError.backupFailed(reason: "\(directory.path) is not empty; restore into a new folder")
    }
    let created = !fileManager.fileExists(atPath: directory.path)
    try fileManager.createDirectory(
      at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    do {
      try tar(["-xf", file.path, "-C", directory.path])
      let listed = try String(
        contentsOf: directory.appendingPathComponent("MANIFEST.sha256"), encoding: .utf8
      )
      .split(separator: "\n").map(String.init).sorted()
      let actual = Self.lines(try fileSums(of: directory))
      guard listed == actual else {
        let damaged = Set(actual).symmetricDifference(listed).map {
          $0.split(separator: " ").last.map(String.init) ?? $0
        }
        throw StoreError.backupFailed(
          reason:
            "the backup is damaged: \(Set(damaged).sorted().joined(separator: ", ")) do not match its manifest"
        )
      }
      try fileManager.removeItem(at: directory.appendingPathComponent("MANIFEST.sha256"))
      var configuration = try NodeHome.readConfiguration(directory)
      // Backups are of SQLite nodes; one edited to name a hub's database must not write there.
      guard configuration.store == nil else {
        throw StoreError.hubRestore(location: configuration.storeLocation.shown)
      }
      configuration.catchUpRequired = true
      try NodeHome.writeConfiguration(configuration, to: directory)
      let home = try NodeHome.open(directory)
      guard let database = home.database else { throw StoreError.notInitialised(path: directory.path) }
      let check = try database.databaseProblems(quick: false)
      guard check.isEmpty else {
        throw StoreError.backupFailed(
          reason: "the restored database fails its integrity check: \(check.joined(separator: "; "))")
      }
      let changes = try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM changes") ?? 0 }
      let blobs = try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM blobs") ?? 0 }
      return Summary(file: file.path, node: home.node.rawValue, changes: changes, blobs: blobs, bytes: 0)
    } catch {
      // Nothing half-restored is left behind to be mistaken for a node, nor a folder it made.
      if created {
        try? fileManager.removeItem(at: directory)
      } else {
        for item in (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? [] {
          try? fileManager.removeItem(at: directory.appendingPathComponent(item))
        }
      }
      throw error
    }
  }

  /// The SHA-256 (hex) of every file below `folder` by its path there, the manifest excepted.
  static func fileSums(of folder: URL) throws -> [String: String] {
    var sums: [String: String] = [:]
    guard
      let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    else { return [:] }
    for case let url as URL in walker {
      guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
      let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
      if relative == "MANIFEST.sha256" { continue }
      sums[relative] = try sum(of: url)
    }
    return sums
  }

  /// Writes a held file read from the object store to `destination`; what is wrong with it, if
  /// it proved damaged on the way (then nothing is left at `destination`).
  static func download(_ sha256: Data, from blobs: BlobStore, to destination: URL) throws -> BlobFinding? {
    guard let reader = try blobs.reader(sha256) else { return .missing }
    try reader.write(to: destination)
    if let unavailable = reader.unavailable {
      try? FileManager.default.removeItem(at: destination)
      throw unavailable
    }
    guard let finding = reader.finding else { return nil }
    try? FileManager.default.removeItem(at: destination)
    return finding
  }

  static func sum(of file: URL, digest: DigestAlgorithm = .sha256) throws -> String {
    let hasher = digest.hasher()
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { hasher.update(piece) }
    return hasher.finalize().hex
  }

  /// The manifest's lines, `<sha256>  <path>` (as `sha256sum -c` reads them), sorted.
  static func lines(_ sums: [String: String]) -> [String] {
    sums.map { "\($0.value)  \($0.key)" }.sorted()
  }

  static func tar(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["tar"] + arguments
    let errors = Pipe()
    process.standardError = errors
    do { try process.run() } catch {
      throw StoreError.backupFailed(
        reason: "cannot run tar: \(SystemError.reason(error)); install it with 'apt-get install tar'")
    }
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw StoreError.backupFailed(
        reason: "tar \(arguments[0]) failed: \(String(decoding: message, as: UTF8.self))")
    }
  }
}

/// A backup this node wrote, as its operator's page shows the latest.
public struct BackupRecord: Sendable, Equatable, Codable {
  public var at: String
  public var file: String
  public var bytes: UInt64
  public var changes: Int
}

extension NodeStore {
  func recordBackup(file: String, bytes: UInt64, changes: Int) throws {
    try writeTransaction { db in
      try db.execute(
        sql: "INSERT INTO backups_taken (at, file, bytes, changes) VALUES (?, ?, ?, ?)",
        arguments: [Date().iso8601, file, Int64(clamping: bytes), changes])
    }
  }

  /// The latest backup this node wrote (nil: none since this database was made or restored).
  public func latestBackup() throws -> BackupRecord? {
    try read { db in
      try Row.fetchOne(db, sql: "SELECT * FROM backups_taken ORDER BY rowid DESC LIMIT 1").map {
        BackupRecord(
          at: $0["at"], file: $0["file"], bytes: UInt64(clamping: $0["bytes"] as Int64),
          changes: $0["changes"])
      }
    }
  }
}
