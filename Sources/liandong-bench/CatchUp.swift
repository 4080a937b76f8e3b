import Foundation
import LiandongTesting

/// B5 of BENCHMARKS.md: an empty node catches up with one holding 1,000,000 changes from 7
/// origins, in one `liandong sync`; goal: peak resident memory under 200 MB on both sides. Then
/// B4 at that size: a sync when nothing is new, after the handshake (goal: under 50 ms and 4 KB
/// each way).
struct CatchUp {
  let workspace: BenchWorkspace
  let count: Int

  func run() async throws -> [BenchRow] {
    // The changes come from 7 origins, as in a federation: six nodes write theirs, and bench-a
    // pulls them all before writing its own share.
    let a = try BenchNode("bench-a", workspace: workspace, copy: 5)
    let b = try BenchNode("bench-b", workspace: workspace, copy: 5)
    let share = count / 7
    let writing = Date()
    for index in 1...6 {
      try workspace.issue("origin-\(index)")
      let origin = try BenchNode("origin-\(index)", workspace: workspace)
      log("B5: origin-\(index) writes \(share) leads, one per change; bench-a pulls them ...")
      try origin.writeLeads(share)
      let (server, port) = try await origin.serve()
      defer { server.stopServing() }
      _ = try a.sync(with: "origin-\(index)", port: port)
    }
    log("B5: bench-a writes \(count - 6 * share) leads ...")
    try a.writeLeads(count - 6 * share)
    log(
      String(
        format: "B5: bench-a holds %d changes from 7 origins after %.0f s", try a.changeCount(),
        Date().timeIntervalSince(writing)))
    let (server, port) = try await a.serve()
    defer { server.stopServing() }
    log("B5: the empty bench-b catches up ...")
    let catchUp = try b.sync(with: "bench-a", port: port)
    let held = try b.changeCount()
    guard held >= count + 7 else { throw BenchError("bench-b holds \(held) of \(count + 7) changes") }
    let peakA = Double(try residentKiB(server.pid, peak: true)) / 1024
    let peakB = Double(catchUp.peakResidentKiB) / 1024
    log(
      String(
        format:
          "B5: %d changes in %.0f s (%.0f/s); peak RSS bench-a (serve) %.1f MiB, bench-b (sync) %.1f MiB",
        held, catchUp.wall, Double(held) / catchUp.wall, peakA, peakB))
    let quiet = try QuietSync(b, with: "bench-a", port: port)
    let note = String(format: "%d changes from 7 origins in %.0f s, one 'liandong sync'", held, catchUp.wall)
    return [
      BenchRow(
        scenario: "B5 rss A", ours: peakA, reference: 200, unit: "MiB", referenceName: "200 MB (limit)",
        goal: 0,
        note: "serving node's peak (VmHWM); " + note, lowerIsBetter: true),
      BenchRow(
        scenario: "B5 rss B", ours: peakB, reference: 200, unit: "MiB", referenceName: "200 MB (limit)",
        goal: 0,
        note: "catching-up sync process's peak (VmHWM); " + note, lowerIsBetter: true),
    ] + quiet.rows(holding: "\(held) changes from 7 origins")
  }
}
