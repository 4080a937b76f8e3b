import Foundation
import Testing

/// Whether this process may mount a tmpfs (root, and a kernel that allows it here).
let canMountTmpfs: Bool = {
  guard getuid() == 0 else { return false }
  let probe = temporaryDirectory("tmpfs-probe")
  guard (try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]))?.status == 0 else {
    return false
  }
  _ = try? run("/bin/umount", [probe.path])
  return true
}()

/// A receiver whose disk fills up during a sync: a 16 MiB tmpfs holds its data folder (an empty
/// node's database takes about 4 MiB of it).
@Suite("A disk that fills up during a sync", .serialized)
struct DiskFullTests {
  @Test(
    "the sync stops with a clear error and nothing corrupt; it completes when space returns",
    .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs")
  )
  func diskFull() async throws {
    let federation = try TestFederation(label: "disk-full", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let file = temporaryDirectory("disk-full-import").appendingPathComponent("leads.csv")
    let rows = (0..<12000).map {
      "检测服务店\($0),,某电商平台,\(100_000 + $0),forged-report,sells one-day reports \($0),\n"
    }
    try (LeadImportTests.header + rows.joined()).write(to: file, atomically: true, encoding: .utf8)
    let imported = try await jjj.cli("lead", "import", file.path, "--to", "all", "--per-change", "20")
    #expect(imported.status == 0, "\(imported)")
    try await jjj.serve(interval: 60)
    defer { _ = jjj.stop() }

    let disk = temporaryDirectory("small-disk")
    try #require(
      try await run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.path]).status == 0)
    defer { _ = try? run("/bin/umount", ["-l", disk.path]) }
    let yrd = try await NodeProcess("yrd", federation: federation, data: disk.appendingPathComponent("yrd"))
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")

    let full = try await yrd.cli("sync", "jjj")
    #expect(full.status != 0)
    #expect(full.stderr.contains("node.disk-full") && full.stderr.contains("free space"), "\(full)")
    #expect(try SyncCrashTests.integrityCheck(yrd) == "ok")
    let partial = try await yrd.status()["versionVector"] as? [String: Int] ?? [:]
    let total = try await jjj.status()["versionVector"] as? [String: Int] ?? [:]
    #expect((partial["jjj"] ?? 0) < (total["jjj"] ?? 0), "the disk never filled: \(partial)")
    #expect((partial["jjj"] ?? 0) > 0, "the disk filled before the first batch: \(partial)")
    let refused = await eventually(10) { jjj.log.contains("node.disk-full") }
    #expect(refused, "the sender was not told why: \(jjj.log.suffix(1000))")

    // Space returns: the next sync takes everything, and the store checks out.
    try #require(try await run("/bin/mount", ["-o", "remount,size=256m", disk.path]).status == 0)
    let healed = try await yrd.cli("sync", "jjj")
    #expect(healed.status == 0, "\(healed)")
    #expect(try await yrd.status()["versionVector"] as? [String: Int] == total)
    #expect(try await yrd.cli("verify").status == 0)
    #expect(try SyncCrashTests.integrityCheck(yrd) == "ok")
    print("disk-full figures: \(partial["jjj"] ?? 0) of \(total["jjj"] ?? 0) changes held when 16 MiB filled")
  }

  @Test(
    "an evidence file that fills the disk stops with a clear error, keeps what is durable, and resumes",
    .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs")
  )
  func evidenceFillsDisk() async throws {
    let federation = try TestFederation(label: "disk-full-blob", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary", "video",
      "--to", "all"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let content = randomBytes(24 << 20, seed: 5)
    let file = temporaryDirectory("disk-full-evidence").appendingPathComponent("recording.mp4")
    try content.write(to: file)
    let added = try await jjj.cli(
      "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed", "screen-recording",
      "--to", "all")
    #expect(added.status == 0, "\(added)")
    try await jjj.serve(interval: 60)
    defer { _ = jjj.stop() }

    let disk = temporaryDirectory("small-disk-blob")
    try #require(
      try await run("/bin/mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", disk.path]).status == 0)
    defer { _ = try? run("/bin/umount", ["-l", disk.path]) }
    let yrd = try await NodeProcess("yrd", federation: federation, data: disk.appendingPathComponent("yrd"))
    try await yrd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")

    let full = try await yrd.cli("sync", "jjj")
    #expect(full.status != 0)
    #expect(full.stderr.contains("No space left on device"), "\(full)")
    #expect(try SyncCrashTests.integrityCheck(yrd) == "ok")
    #expect(try await yrd.cli("lead", "show", lead).status == 0, "the changes before the file were kept")
    let partial = try await yrd.cli("evidence", "list", "--item", lead, "--json")
    #expect(partial.stdout.contains("\"file\" : \"partial\""), "what was durable is kept: \(partial)")

    try #require(try await run("/bin/mount", ["-o", "remount,size=256m", disk.path]).status == 0)
    let healed = try await yrd.cli("sync", "jjj")
    #expect(healed.status == 0, "\(healed)")
    let listed = try await yrd.cli("evidence", "list", "--item", lead, "--json")
    #expect(listed.stdout.contains("\"file\" : \"held\""), "\(listed)")
    #expect(try await yrd.cli("verify").status == 0)
    #expect(try SyncCrashTests.integrityCheck(yrd) == "ok")
  }

  @Test(
    "evidence add of a file larger than the free space fails with node.disk-full, leaves no partial copy, and works once there is room",
    .enabled(if: canMountTmpfs, "needs root to mount a small tmpfs")
  )
  func evidenceAddFillsDisk() async throws {
    let federation = try TestFederation(label: "disk-full-add", nodes: ["jjj"])
    let disk = temporaryDirectory("disk-full-add")
    try await #require(
      try run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.path]).status == 0)
    defer { _ = try? run("/bin/umount", ["-l", disk.path]) }
    let jjj = try await NodeProcess("jjj", federation: federation, data: disk.appendingPathComponent("jjj"))
    let lead = try await jjj.addLead()
    let file = temporaryDirectory("disk-full-add-file").appendingPathComponent("recording.mp4")
    try randomBytes(24 << 20, seed: 8).write(to: file)

    let full = try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical")
    #expect(full.failed(with: "node.disk-full"), "\(full)")
    let partial = jjj.data.appendingPathComponent("blobs/partial")
    #expect(((try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? []).isEmpty)
    #expect(!(try await jjj.cli("evidence", "list", "--json").stdout.contains("recording.mp4")))

    try await #require(try run("/bin/mount", ["-o", "remount,size=96m", disk.path]).status == 0)
    let added = try await jjj.cli("evidence", "add", lead, file.path, "--category", "physical")
    #expect(added.status == 0, "\(added)")
    #expect(try await jjj.cli("evidence", "list", "--json").stdout.contains("recording.mp4"))
    #expect(try await jjj.cli("verify").status == 0)
  }
}
