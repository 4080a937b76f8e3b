import Foundation
import LiandongTesting

/// B5 of BENCHMARKS.md: an empty node catches up with one holding 1,000,000 changes, in one
/// `liandong sync`; goal: peak resident memory under 200 MB on both sides. Then B4 at that size:
/// a sync when nothing is new, after the handshake (goal: under 50 ms and 4 KB each way).
struct CatchUp {
  let workspace: BenchWorkspace
  let count: Int

  func run() async throws -> [BenchRow] {
    let a = try BenchNode("bench-a", workspace: workspace, copy: 5)
    let b = try BenchNode("bench-b", workspace: workspace, copy: 5)
    log("B5: writing \(count) leads on bench-a, one per change ...")
    let writing = Date()
    try a.writeLeads(count) { written in
      if written % 100_000 == 0 { self.log("B5: \(written) written") }
    }
    log(String(format: "B5: written in %.0f s", Date().timeIntervalSince(writing)))
    let (server, port) = try await a.serve()
    defer {
      server.signal(SIGTERM)
      _ = server.wait(timeout: 60)
    }
    log("B5: the empty bench-b catches up ...")
    let catchUp = try b.sync(with: "bench-a", port: port)
    let held = try b.changeCount()
    guard held >= count + 1 else { throw BenchError("bench-b holds \(held) of \(count + 1) changes") }
    let peakA = Double(try residentKiB(server.pid, peak: true)) / 1024
    let peakB = Double(catchUp.peakResidentKiB) / 1024
    log(
      String(
        format:
          "B5: %d changes in %.0f s (%.0f/s); peak RSS bench-a (serve) %.1f MiB, bench-b (sync) %.1f MiB",
        held, catchUp.wall, Double(held) / catchUp.wall, peakA, peakB))
    var quiet = try b.sync(with: "bench-a", port: port)
    for _ in 0..<2 {
      let next = try b.sync(with: "bench-a", port: port)
      if next.seconds < quiet.seconds { quiet = next }
    }
    log(
      String(
        format: "B4 at %d changes: %.1f ms, %d bytes out, %d bytes in", held, quiet.seconds * 1000,
        quiet.bytesSent, quiet.bytesReceived))
    let note = String(format: "%d changes from 2 origins in %.0f s, one 'liandong sync'", held, catchUp.wall)
    return [
      BenchRow(
        scenario: "B5 rss A", ours: peakA, reference: 200, unit: "MiB", referenceName: "200 MB (limit)",
        goal: 0,
        note: "serving node's peak (VmHWM); " + note, lowerIsBetter: true),
      BenchRow(
        scenario: "B5 rss B", ours: peakB, reference: 200, unit: "MiB", referenceName: "200 MB (limit)",
        goal: 0,
        note: "catching-up sync process's peak (ru_maxrss); " + note, lowerIsBetter: true),
      BenchRow(
        scenario: "B4 time", ours: quiet.seconds * 1000, reference: 50, unit: "ms",
        referenceName: "the goal's limit", goal: 0,
        note:
          "a sync with nothing new, both holding \(held) changes from 2 origins; best of 3, after the handshake",
        lowerIsBetter: true),
      BenchRow(
        scenario: "B4 bytes", ours: Double(max(quiet.bytesSent, quiet.bytesReceived)), reference: 4096,
        unit: "B",
        referenceName: "the goal's limit", goal: 0,
        note:
          "application data of that sync, the larger direction (out \(quiet.bytesSent), in \(quiet.bytesReceived))",
        lowerIsBetter: true),
    ]
  }

  private func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
