import Foundation
import LiandongTesting

/// B3 of BENCHMARKS.md: an evidence file from node A to node B by `liandong sync`, beside
/// `openssl s_server` <- `s_client` moving the same number of bytes; and the peak resident memory
/// of each node above its idle size, which must stay flat however large the file.
struct EvidenceTransfer {
  let workspace: BenchWorkspace
  let bytes: Int

  func run() async throws -> [BenchRow] {
    let megabytes = Double(bytes) / 1_048_576
    let a = try BenchNode("bench-a", workspace: workspace, copy: 3)
    let b = try BenchNode("bench-b", workspace: workspace, copy: 3)
    log("B3: attaching a file of \(Int(megabytes)) MiB of random bytes to a lead on bench-a ...")
    let file = try workspace.randomFile("recording.bin", bytes: bytes)
    let lead = try a.cli(
      [
        "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary",
        "a screen recording of the listing", "--to", "all",
      ]
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    try a.cli(
      [
        "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed",
        "screen-recording",
        "--to", "all",
      ])
    try FileManager.default.removeItem(at: file)  // bench-a holds its own copy now

    let (server, port) = try await a.serve()
    defer { server.stopServing() }
    try await Task.sleep(for: .seconds(1))
    let idleA = try residentKiB(server.pid)
    log("B3: bench-b fetches it with 'liandong sync' ...")
    let transfer = try b.sync(with: "bench-a", port: port)
    let held = try b.cli(["evidence", "list", "--item", lead, "--json"])
    guard held.contains("\"file\" : \"held\"") else {
      throw BenchError("bench-b does not hold the file: \(held)")
    }
    let peakA = try residentKiB(server.pid, peak: true)
    // A sync that moves nothing: the size of an idle sync process, against which B's peak is set.
    let quiet = try b.sync(with: "bench-a", port: port)
    let ours = megabytes / transfer.wall
    log(String(format: "B3: %.1f MiB/s end to end; now openssl s_client -> s_server ...", ours))
    let reference = megabytes / (try TLSThroughput(workspace: workspace, bytes: bytes).measureOpenSSL())
    log(String(format: "B3: openssl %.1f MiB/s", reference))
    let growthA = Double(peakA - idleA) / 1024
    let growthB = Double(transfer.peakResidentKiB - quiet.peakResidentKiB) / 1024
    log(
      String(
        format:
          "B3: bench-a (serve) idle %.1f MiB, peak %.1f MiB; bench-b (sync) idle %.1f MiB, peak %.1f MiB",
        Double(idleA) / 1024, Double(peakA) / 1024, Double(quiet.peakResidentKiB) / 1024,
        Double(transfer.peakResidentKiB) / 1024))
    let note = "\(Int(megabytes)) MiB evidence file, 'liandong sync' wall time, SHA-256 checked on arrival"
    return [
      BenchRow(
        scenario: "B3", ours: ours, reference: reference, unit: "MiB/s",
        referenceName: "openssl s_client -> s_server, TLS 1.3, same bytes and certificates", goal: 0.7,
        note: note),
      BenchRow(
        scenario: "B3 rss A", ours: growthA, reference: 64, unit: "MiB", referenceName: "64 MiB (limit)",
        goal: 0, note: "serving node's peak above its idle size (VmHWM - VmRSS before)", lowerIsBetter: true),
      BenchRow(
        scenario: "B3 rss B", ours: growthB, reference: 64, unit: "MiB", referenceName: "64 MiB (limit)",
        goal: 0, note: "fetching sync process's peak above a sync that moves nothing (VmHWM)",
        lowerIsBetter: true),
    ]
  }
}
