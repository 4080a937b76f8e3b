import Foundation
import LiandongCore
import LiandongCrypto
import Testing

@Suite("Backup and restore", .serialized)
struct BackupTests {
  @Test("a backup restores to an identical node with its files; it must catch up before it writes again")
  func roundTrip() async throws {
    let federation = try TestFederation(label: "backup", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "before the backup", "--to",
      "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let content = randomBytes(300_000, seed: 31)
    let file = temporaryDirectory("backup-file").appendingPathComponent("shot.png")
    try content.write(to: file)
    #expect(try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical").status == 0)
    let archive = temporaryDirectory("backup").appendingPathComponent("jjj.tar")
    let backup = try await jjj.cli("backup", "--out", archive.path, "--json")
    #expect(backup.status == 0 && backup.stdout.contains("\"blobs\" : 1"), "\(backup)")
    let mode = try FileManager.default.attributesOfItem(atPath: archive.path)[.posixPermissions] as? Int
    #expect(mode == 0o600, "the backup holds node.key: mode \(String(mode ?? 0, radix: 8))")
    let again = try await jjj.cli("backup", "--out", archive.path)
    #expect(again.failed(with: "backup.failed") && again.stderr.contains("exists"))

    // After the backup jjj signs one more change, and yrd receives it.
    try await jjj.cli("lead", "edit", lead, "--summary", "after the backup")
    try await jjj.carry(to: yrd)

    // The disk is lost; the backup is restored elsewhere.
    let restoredData = temporaryDirectory("restored").appendingPathComponent("jjj")
    let restore = try await run(liandongBinary.path, ["restore", archive.path, "--data", restoredData.path])
    #expect(restore.status == 0 && restore.stdout.contains("restored jjj"), "\(restore)")
    let restored = NodeProcess(existing: "jjj", data: restoredData)
    #expect(try await restored.cli("verify").status == 0)
    #expect(try await restored.cli("lead", "show", lead).stdout.contains("before the backup"))
    let sha = SHA256.hash(content).hex
    #expect(
      try Data(contentsOf: restoredData.appendingPathComponent("blobs/\(sha.prefix(2))/\(sha)")) == content)
    // Writing now could fork jjj's chain: refused until a sync brings back what it signed since.
    let early = try await restored.cli(
      "lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "s")
    #expect(early.failed(with: "node.catch-up-required"), "\(early)")
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await restored.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    let synced = try await restored.cli("sync", "yrd")
    #expect(synced.status == 0, "\(synced)")
    #expect(try await restored.cli("lead", "show", lead).stdout.contains("after the backup"))
    #expect(
      try await restored.cli("lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "s")
        .status
        == 0)
    #expect(try await restored.cli("verify").status == 0)
  }

  /// Issue 25: a node whose data folder went back to an older copy without `restore` (a virtual
  /// machine rolled back to its snapshot) does not know it lost changes. Once a checkpoint shows
  /// its own chain further than it holds, it refuses to sign at a sequence it already used.
  @Test("a node rolled back to an older copy signs nothing while a checkpoint shows its own later changes")
  func rolledBack() async throws {
    let federation = try TestFederation(label: "rollback", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    try yrd.editConfiguration { $0["checkpointSeconds"] = 0 }
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    _ = try await jjj.addLead(summary: "before the snapshot", to: "yrd")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let snapshot = temporaryDirectory("snapshot").appendingPathComponent("jjj")
    #expect(try await run("cp", ["-a", jjj.data.path, snapshot.path]).status == 0)

    // After the snapshot jjj signs on; yrd holds it, and its checkpoint says so.
    let later = try await jjj.addLead(summary: "after the snapshot", to: "yrd")
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    // The rolled-back copy holds yrd's checkpoint (as if a peer had passed it on), not the changes.
    let database = snapshot.appendingPathComponent("liandong.sqlite").path
    let copied = try await sqlite3(
      database,
      "ATTACH '\(jjj.data.appendingPathComponent("liandong.sqlite").path)' AS later; "
        + "INSERT OR IGNORE INTO checkpoints SELECT * FROM later.checkpoints; "
        + "INSERT OR IGNORE INTO checkpoint_held SELECT * FROM later.checkpoint_held;")
    #expect(copied.status == 0, "\(copied)")

    let rolledBack = NodeProcess(existing: "jjj", data: snapshot)
    let refused = try await rolledBack.cli(
      "lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "would fork")
    #expect(
      refused.failed(with: "node.own-changes-missing") && refused.stderr.contains("yrd's checkpoint"),
      "\(refused)")
    let doctor = try await rolledBack.cli("doctor", "--json")
    #expect(doctor.stdout.contains("own-changes"), "\(doctor)")
    // A sync brings its own changes back, and it writes again.
    #expect(try await rolledBack.cli("sync", "yrd").status == 0)
    #expect(try await rolledBack.cli("lead", "show", later).stdout.contains("after the snapshot"))
    #expect(try await !rolledBack.addLead(summary: "after the sync").isEmpty)
    #expect(try await rolledBack.cli("verify").status == 0)
  }

  @Test("a damaged backup, or a folder that is not empty, is refused and nothing is left behind")
  func refusals() async throws {
    let federation = try TestFederation(label: "backup-bad", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let archive = temporaryDirectory("backup-bad").appendingPathComponent("jjj.tar")
    #expect(try await jjj.cli("backup", "--out", archive.path).status == 0)
    var bytes = try Data(contentsOf: archive)
    // Flip a byte inside the database's data (past the tar headers, inside liandong.sqlite).
    let marker = try #require(bytes.range(of: Data("SQLite format 3".utf8)))
    bytes[marker.lowerBound + 5000] ^= 0xff
    let damaged = archive.deletingLastPathComponent().appendingPathComponent("damaged.tar")
    try bytes.write(to: damaged)
    let target = temporaryDirectory("restore-bad").appendingPathComponent("jjj")
    let refused = try await run(liandongBinary.path, ["restore", damaged.path, "--data", target.path])
    #expect(
      refused.failed(with: "backup.failed") && refused.stderr.contains("damaged")
        && refused.stderr.contains("liandong.sqlite"),
      "\(refused)")
    #expect(!FileManager.default.fileExists(atPath: target.path), "the folder restore made is gone")
    let existingFolder = temporaryDirectory("restore-bad-existing")
    _ = try await run(liandongBinary.path, ["restore", damaged.path, "--data", existingFolder.path])
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: existingFolder.path).isEmpty,
      "a folder that was there stays, empty")
    let unwritable = try await run(
      liandongBinary.path, ["backup", "--out", "/proc/jjj.tar", "--data", jjj.data.path])
    #expect(unwritable.failed(with: "node.unwritable-file"), "\(unwritable)")
    let occupied = try await run(liandongBinary.path, ["restore", archive.path, "--data", jjj.data.path])
    #expect(occupied.failed(with: "backup.failed") && occupied.stderr.contains("not empty"))
  }

  @Test(
    "a restored node writes again only once every configured peer has answered, or its operator accepts the fork risk"
  )
  func catchUpWaitsForEveryPeer() async throws {
    let (_, jjj, yrd, prd) = try await NodeProcess.jjjWithTwoServingPeers("backup-peers")
    defer { _ = (yrd.stop(), prd.stop()) }
    let archive = temporaryDirectory("backup-peers").appendingPathComponent("jjj.tar")
    #expect(try await jjj.cli("backup", "--out", archive.path).status == 0)
    // After the backup jjj signs a change that reaches yrd only.
    let after = try await jjj.cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "after the backup", "--to",
      "yrd")
    #expect(after.status == 0, "\(after)")
    #expect(try await jjj.cli("sync", "yrd").status == 0)

    let write = ["lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "restored"]
    let restoredData = temporaryDirectory("restored-peers").appendingPathComponent("jjj")
    #expect(
      try await run(liandongBinary.path, ["restore", archive.path, "--data", restoredData.path]).status == 0)
    let restored = NodeProcess(existing: "jjj", data: restoredData)
    // prd lacks what jjj signed after the backup: hearing from it alone is not enough.
    let fromPRD = try await restored.cli("sync", "prd")
    #expect(fromPRD.status == 0 && fromPRD.stderr.contains("once it has synced with yrd"), "\(fromPRD)")
    let early = try await restored.cli(write)
    #expect(
      early.failed(with: "node.catch-up-required") && early.stderr.contains("waits to sync with yrd"),
      "\(early)")
    let fromYRD = try await restored.cli("sync", "yrd")
    #expect(fromYRD.status == 0 && !fromYRD.stderr.contains("restored from a backup"), "\(fromYRD)")
    #expect(try await restored.cli("lead", "list").stdout.contains("after the backup"))
    #expect(try await restored.cli(write).status == 0)
    // Its chain goes on from what it signed after the backup: no fork anywhere.
    let all = try await restored.cli("sync", "--all")
    #expect(all.status == 0, "\(all)")
    #expect(try await yrd.cli("verify", "--quick").status == 0)
    #expect(try await prd.cli("verify", "--quick").status == 0)

    // An operator who cannot reach yrd may write anyway, by a flag that names the risk.
    let riskData = temporaryDirectory("restored-risk").appendingPathComponent("jjj")
    #expect(
      try await run(liandongBinary.path, ["restore", archive.path, "--data", riskData.path]).status == 0)
    let risky = NodeProcess(existing: "jjj", data: riskData)
    let accepted = try await risky.cli("sync", "prd", "--accept-fork-risk")
    #expect(accepted.status == 0 && accepted.stderr.contains("--accept-fork-risk"), "\(accepted)")
    #expect(try await risky.cli(write).status == 0)
  }

  @Test("a backup whose node.json was edited to name a hub's database is not restored, and nothing is left")
  func restoreOfAHubRefused() async throws {
    let federation = try TestFederation(label: "backup-hub", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let archive = temporaryDirectory("backup-hub").appendingPathComponent("jjj.tar")
    #expect(try await jjj.cli("backup", "--out", archive.path).status == 0)
    // Unpacked, node.json given a store, the manifest made to match, packed again: only the
    // store setting is wrong with it.
    let unpacked = temporaryDirectory("backup-hub-unpacked")
    #expect(try await run("/usr/bin/tar", ["-xf", archive.path, "-C", unpacked.path]).status == 0)
    let configuration = unpacked.appendingPathComponent("node.json")
    var object =
      try JSONSerialization.jsonObject(with: Data(contentsOf: configuration)) as? [String: Any] ?? [:]
    object["store"] = "postgresql://liandong:secret@127.0.0.1:1/hub"
    try JSONSerialization.data(withJSONObject: object).write(to: configuration)
    let sums = try await run(
      "/bin/sh",
      [
        "-c",
        "cd '\(unpacked.path)' && find . -type f ! -name MANIFEST.sha256 | sed 's|^./||' | sort | xargs sha256sum > MANIFEST.sha256",
      ])
    #expect(sums.status == 0, "\(sums)")
    let edited = archive.deletingLastPathComponent().appendingPathComponent("edited.tar")
    #expect(try await run("/usr/bin/tar", ["-cf", edited.path, "-C", unpacked.path, "."]).status == 0)
    let target = temporaryDirectory("restored-hub").appendingPathComponent("jjj")
    let restore = try await run(liandongBinary.path, ["restore", edited.path, "--data", target.path])
    #expect(restore.failed(with: "restore.hub"), "\(restore)")
    #expect(!restore.stderr.contains("secret"), "the password is not shown: \(restore)")
    #expect(!FileManager.default.fileExists(atPath: target.path), "nothing is left behind")
  }

  @Test("a restored node running serve may write again once its own rounds have synced with a peer")
  func catchUpInServe() async throws {
    let federation = try TestFederation(label: "backup-serve", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let archive = temporaryDirectory("backup-serve").appendingPathComponent("jjj.tar")
    #expect(try await jjj.cli("backup", "--out", archive.path).status == 0)
    try await jjj.cli(
      "lead", "add", "--subject-name", "x", "--violation", "no-ccc", "--summary", "after", "--to", "yrd")
    try await jjj.carry(to: yrd)
    let restoredData = temporaryDirectory("restored-serve").appendingPathComponent("jjj")
    #expect(
      try await run(liandongBinary.path, ["restore", archive.path, "--data", restoredData.path]).status == 0)
    let restored = NodeProcess(existing: "jjj", data: restoredData)
    let write = ["lead", "add", "--subject-name", "y", "--violation", "no-ccc", "--summary", "restored"]
    #expect(try await restored.cli(write).stderr.contains("node.catch-up-required"))

    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    try await restored.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
    // No 'liandong sync': serve's own rounds bring back what jjj signed after the backup.
    try await restored.serve(interval: 0.3)
    defer { _ = restored.stop() }
    #expect(
      try await eventually(30) { try await restored.cli(write).status == 0 }, "\(restored.log.suffix(800))")
    #expect(try await restored.cli("lead", "list").stdout.contains("after"))
    #expect(try await restored.cli("verify").status == 0)
  }
}

@Suite("Keys and files that hold them")
struct KeyFileTests {
  @Test(
    "a passphrase-protected key is refused at init with how to decrypt it, never a prompt; nothing is left")
  func encryptedKey() throws {
    let federation = try TestFederation(label: "encrypted-key", nodes: ["jjj"])
    let files = federation.files("jjj")
    let encrypted = temporaryDirectory("encrypted-key").appendingPathComponent("jjj-encrypted.key")
    let made = try run(
      "openssl",
      ["pkey", "-in", files.key.path, "-aes256", "-passout", "pass:secret", "-out", encrypted.path])
    #expect(made.status == 0, "\(made)")
    let data = temporaryDirectory("encrypted-key-node")
    let refused = try run(
      liandongBinary.path,
      [
        "init", "--data", data.path, "--node", "jjj", "--ca", federation.caURL.path, "--cert",
        files.certificate.path, "--key", encrypted.path,
      ])
    #expect(
      refused.failed(with: "key.encrypted") && refused.stderr.contains("openssl pkey -in"), "\(refused)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).isEmpty)
  }

  @Test("changes export does not replace a file unless told to")
  func exportKeepsFiles() async throws {
    let federation = try TestFederation(label: "export-overwrite", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let file = temporaryDirectory("export-overwrite").appendingPathComponent("for-yrd.bin")
    try Data("the operator's notes".utf8).write(to: file)
    let refused = try await jjj.cli("changes", "export", "--for", "yrd", "--out", file.path)
    #expect(refused.failed(with: "usage.file-exists") && refused.stderr.contains("--force"), "\(refused)")
    #expect(try Data(contentsOf: file) == Data("the operator's notes".utf8))
    #expect(try await jjj.cli("changes", "export", "--for", "yrd", "--out", file.path, "--force").status == 0)
    #expect(try Data(contentsOf: file) != Data("the operator's notes".utf8))
  }
}

extension NodeProcess {
  /// jjj, and yrd and prd serving as its configured peers (the caller stops them): the set-up of
  /// a restore that its peers see differently.
  static func jjjWithTwoServingPeers(_ label: String) async throws -> (
    TestFederation, NodeProcess, NodeProcess, NodeProcess
  ) {
    let federation = try TestFederation(label: label, nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await jjj.introduce(to: yrd, prd)
    try await yrd.introduce(to: prd)
    try await yrd.serve(interval: 60)
    do { try await prd.serve(interval: 60) } catch {
      _ = yrd.stop()
      throw error
    }
    for peer in [yrd, prd] {
      let added = try await jjj.cli("peer", "add", peer.name, "127.0.0.1:\(peer.port)")
      guard added.status == 0 else {
        _ = (yrd.stop(), prd.stop())
        throw TestFailure("peer add \(peer.name): \(added)")
      }
    }
    return (federation, jjj, yrd, prd)
  }
}
