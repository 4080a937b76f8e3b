import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// The part of `liandong doctor` that needs only this machine: configuration, certificate, CRL,
/// clock against the log, disk, database and a sample of evidence files. It reads and never
/// writes, and it keeps going past what it cannot open: a damaged database still leaves the
/// certificate, the CRL and the disk to be examined.
public struct NodeDoctor: Sendable {
  public let directory: URL
  /// How many held evidence files to read again.
  public var sample: Int

  public init(directory: URL, sample: Int = 20) {
    self.directory = directory
    self.sample = sample
  }

  /// The findings, and the node when its data folder opens (the peers are examined through it).
  /// Throws only when the folder holds no node at all (`node.not-initialised`): there is
  /// nothing to examine, and the remedy is `liandong init`.
  public func examine(now: Date = Date()) throws -> (home: NodeHome?, findings: [DoctorFinding]) {
    var found: [DoctorFinding] = []
    found += configuration()
    let home: NodeHome
    do {
      home = try NodeHome.open(directory)
    } catch {
      let failure = Failure(error)
      if failure.code == "node.not-initialised" { throw failure }
      let isDatabase = failure.code.hasPrefix("store.")
      found.append(
        DoctorFinding(
          check: isDatabase ? "database" : "config", severity: .error,
          reading: .unreadable(.dataFolder, code: failure.code, message: failure.message),
          remedy: failure.remedy))
      found += identityWithoutStore(now: now)
      found.append(disk())
      return (nil, found)
    }
    let drift = TimeInterval(home.configuration.maximumDriftSeconds)
    found.append(certificate(chain: home.chain, trust: home.trust, now: now))
    if home.trust.suite == .sm { found.append(transportCertificate(home, now: now)) }
    found += crls(home.trust, maximumDrift: drift, now: now)
    found.append(calendar(home, now: now))
    found.append(disk())
    if let store = evidenceStore(home) { found.append(store) }
    let (databaseFindings, sound) = database(home)
    found += databaseFindings
    guard sound else { return (home, found) }
    do {
      let newest = try home.store.latestChangeTime()
      found.append(
        DoctorRules.clock(
          newestChange: newest.wallMillis == 0
            ? nil : Date(timeIntervalSince1970: TimeInterval(newest.wallMillis) / 1000),
          maximumDrift: drift, now: now))
      found.append(try evidence(home))
      found += try standing(home)
    } catch {
      found.append(Self.unreadableDatabase(error))
    }
    return (home, found)
  }

  /// The store's own check: SQLite's quick check of its file, or on a hub the database's schema
  /// and what its set-up leaves open. `sound` when the log may be read for the checks after it.
  func database(_ home: NodeHome) -> (findings: [DoctorFinding], sound: Bool) {
    let location = home.configuration.storeLocation
    guard location.isPostgres else {
      let problems =
        (try? StoreHealth.problems(of: home.store, quick: true)) ?? ["the database cannot be read"]
      return ([DoctorRules.database(problems: problems)], problems.isEmpty)
    }
    let problems: [String]
    do { problems = try StoreHealth.problems(of: home.store, quick: true) } catch {
      return ([Self.unreadableDatabase(error)], false)
    }
    let setUp = DoctorRules.hubSetUp(
      evidenceOnDisk: home.configuration.evidenceStore == nil,
      passwordReadableIn: location.carriesPassword ? readableByOthers("node.json") : nil)
    return (
      [
        DoctorRules.hubDatabase(
          location: location.shown, schemaSteps: PostgresStore.schemaVersions.count, problems: problems)
      ] + setUp,
      problems.isEmpty
    )
  }

  static func unreadableDatabase(_ error: any Error) -> DoctorFinding {
    let failure = Failure(error)
    return DoctorFinding(
      check: "database", severity: .error,
      reading: .unreadable(.database, code: failure.code, message: failure.message), remedy: failure.remedy)
  }

  /// The path of the data folder's file `name` when users other than its owner may read it.
  func readableByOthers(_ name: String) -> String? {
    let path = directory.appendingPathComponent(name).path
    let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? 0
    return mode & 0o044 != 0 ? path : nil
  }

  /// `node.json` parses and names only keys the node reads: a misspelt key is a setting silently
  /// not applied.
  func configuration() -> [DoctorFinding] {
    let file = directory.appendingPathComponent("node.json")
    guard let data = try? NodeHome.readFile(file) else { return [] }
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      return [
        DoctorFinding(
          check: "config", severity: .error, reading: .configNotJSON(path: file.path),
          remedy:
            "Restore node.json from the latest backup, or correct it by hand (Deploy/README.md, Configuration)."
        )
      ]
    }
    let (top, serve) = NodeConfiguration.unknownKeys(in: object)
    let unknown = top + serve.map { "serve.\($0)" }
    guard unknown.isEmpty else {
      return [
        DoctorFinding(
          check: "config", severity: .warning, reading: .configUnknownKeys(unknown),
          remedy:
            "Correct their spelling or remove them; 'liandong serve --check-config' lists the keys it knows and where each setting comes from."
        )
      ]
    }
    return [DoctorFinding(check: "config", severity: .ok, reading: .configKnown)]
  }

  func certificate(
    chain: [Certificate], trust: TrustAnchor, now: Date, check: String = "certificate"
  ) -> DoctorFinding {
    var problem: String? = nil
    do { try trust.verify(chain: chain, at: now, now: now) } catch { problem = Failure(error).message }
    return DoctorRules.certificate(
      notAfter: chain.first?.notAfter ?? now, problem: problem, now: now, check: check)
  }

  /// An `sm` node's TLS certificate expires and is revoked on its own: peers refuse the node
  /// when it does, though its signing certificate is good.
  func transportCertificate(_ home: NodeHome, now: Date) -> DoctorFinding {
    do {
      return certificate(
        chain: try home.transport().chain, trust: home.trust, now: now, check: "tls-certificate")
    } catch {
      let failure = Failure(error)
      return DoctorFinding(
        check: "tls-certificate", severity: .error,
        reading: .unreadable(.tlsCertificate, code: failure.code, message: failure.message),
        remedy: failure.remedy)
    }
  }

  func crls(_ trust: TrustAnchor, maximumDrift: TimeInterval, now: Date) -> [DoctorFinding] {
    guard !trust.revocationLists.isEmpty else {
      return [
        DoctorRules.crl(
          present: false, lastUpdate: nil, nextUpdate: nil, maximumDrift: maximumDrift, now: now)
      ]
    }
    return trust.revocationLists.map {
      DoctorRules.crl(
        present: true, lastUpdate: $0.lastUpdate, nextUpdate: $0.nextUpdate, maximumDrift: maximumDrift,
        now: now)
    }
  }

  /// The certificate and CRL read straight from their files, when the store would not open.
  func identityWithoutStore(now: Date) -> [DoctorFinding] {
    do {
      let trust = try NodeHome.readTrust(directory)
      let chain = try Certificate.chain(
        pem: try NodeHome.readFile(directory.appendingPathComponent("node.pem")))
      let drift = TimeInterval(NodeConfiguration(node: "x").maximumDriftSeconds)
      return [certificate(chain: chain, trust: trust, now: now)] + crls(trust, maximumDrift: drift, now: now)
    } catch {
      let failure = Failure(error)
      return [
        DoctorFinding(
          check: "certificate", severity: .error,
          reading: .unreadable(.identityFiles, code: failure.code, message: failure.message),
          remedy: failure.remedy)
      ]
    }
  }

  /// The calendar the node counts deadlines with: node.json's file, else the one built in.
  func calendar(_ home: NodeHome, now: Date) -> DoctorFinding {
    do {
      let calendar = try NodeApp(home: home).calendar(file: nil)
      return DoctorRules.calendar(
        years: calendar.years, source: home.configuration.calendar ?? "built in", now: now)
    } catch {
      let failure = Failure(error)
      return DoctorFinding(
        check: "calendar", severity: .error,
        reading: .unreadable(.calendar, code: failure.code, message: failure.message), remedy: failure.remedy)
    }
  }

  func disk() -> DoctorFinding {
    guard let space = DiskSpace(of: directory.path) else {
      return DoctorFinding(
        check: "disk", severity: .error,
        reading: .diskUnexaminable(path: directory.path, reason: String(cString: strerror(errno))),
        remedy: "Check that the data folder exists and is readable by the user the node runs as.")
    }
    return DoctorRules.disk(path: directory.path, free: space.free, total: space.total)
  }

  /// Whether the object store holding the evidence files answers and lets this node use its
  /// bucket; nil when the files are kept in the data folder.
  func evidenceStore(_ home: NodeHome) -> DoctorFinding? {
    guard let location = home.blobs.shelfDescription(ifObjectStore: true) else { return nil }
    do { try home.blobs.checkShelf() } catch {
      let failure = Failure(error)
      return DoctorFinding(
        check: "evidence-store", severity: .error,
        reading: .unreadable(.evidenceStore, code: failure.code, message: failure.message),
        remedy: failure.remedy)
    }
    return DoctorFinding(
      check: "evidence-store", severity: .ok, reading: .evidenceStoreAnswers(location: location))
  }

  /// A sample of held files, from a random place in hash order, read again against their hash.
  func evidence(_ home: NodeHome) throws -> DoctorFinding {
    let counts = try home.store.blobCounts()
    var start = Data(count: 32)
    for index in start.indices { start[index] = UInt8.random(in: 0...255) }
    var files = try home.store.heldFiles(after: start, limit: sample)
    if files.count < sample {
      files += try home.store.heldFiles(after: nil, limit: sample - files.count).filter {
        !files.contains($0)
      }
    }
    var damaged: [String] = []
    for file in files where try home.blobs.check(file) != nil { damaged.append(file.sha256.hex) }
    return DoctorRules.evidence(
      sampled: files.count, held: counts.held, damaged: damaged, recorded: try home.store.damagedFiles().count
    )
  }

  /// What the node has been left waiting on: a restore's catch-up, a fork.
  func standing(_ home: NodeHome) throws -> [DoctorFinding] {
    var found: [DoctorFinding] = []
    if let waiting = try home.catchUpWaitingFor() {
      found.append(
        DoctorFinding(
          check: "catch-up", severity: .warning, reading: .catchUp(waitingFor: waiting),
          remedy:
            "Sync with those peers ('liandong sync --all'); if one is gone for good, 'liandong sync --accept-fork-risk' (Deploy/README.md, section 5)."
        ))
    }
    if let missing = try home.ownChangesMissing() {
      found.append(
        DoctorFinding(
          check: "own-changes", severity: .warning,
          reading: .ownChangesMissing(message: StoreError.ownChangesMissing(missing).description),
          remedy: ErrorCatalogue.entry(for: "node.own-changes-missing")!.remedy))
    }
    let status = try home.store.status()
    let undecided = status.forks.filter { $0.kept == nil }
    if !undecided.isEmpty || !status.quarantined.isEmpty {
      found.append(
        DoctorFinding(
          check: "forks", severity: .warning,
          reading: .forksUndecided(count: undecided.count, quarantined: status.quarantined),
          remedy:
            "An origin signed two different changes at one sequence: 'liandong fork list' shows both. Its operator finds out how: after a restored backup or a rolled-back snapshot, that operator decides which stands with 'liandong fork keep CHANGE' on the forked node; if its key may be stolen, its certificate is revoked and the federation CA's operator decides, in a manifest with \"forks\" (Deploy/README.md, RELIABILITY.md)."
        ))
    } else if !status.forks.isEmpty {
      found.append(
        DoctorFinding(check: "forks", severity: .ok, reading: .forksDecided(count: status.forks.count)))
    }
    return found
  }
}
