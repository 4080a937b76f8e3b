import Foundation
import LiandongTesting

/// B7 of BENCHMARKS.md: `liandong evidence add` of a file, beside what the standard tools take to
/// read, hash and durably copy it: `openssl dgst -sha256` of the file, `cp` of it, and `sync` of
/// the copy (an evidence file is acknowledged only once it is on the disk: a copy that is not
/// synced is not the same work). The two alternate, three times each, and each side's median
/// counts; the file is in the page cache for both. Ours also signs and stores a change.
struct EvidenceAdd {
  let workspace: BenchWorkspace
  let bytes: Int
  static let rounds = 3

  func run() throws -> [BenchRow] {
    let megabytes = Double(bytes) / 1_048_576
    let node = try BenchNode("bench-a", workspace: workspace, copy: 7)
    log("B7: a file of \(Int(megabytes)) MiB of random bytes ...")
    let file = try workspace.randomFile("b7-recording.bin", bytes: bytes)
    defer { try? FileManager.default.removeItem(at: file) }
    let lead = try node.cli(
      [
        "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary",
        "a screen recording of the listing", "--to", "all",
      ]
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    let copy = workspace.directory.appendingPathComponent("b7-copy.bin")
    var ours: [Double] = []
    var reference: [Double] = []
    for round in 1...Self.rounds {
      reference.append(
        try secondsTaken {
          try Self.tool("/usr/bin/openssl", ["dgst", "-sha256", file.path])
          try Self.tool("/bin/cp", [file.path, copy.path])
          try Self.tool("/bin/sync", [copy.path])
        })
      try FileManager.default.removeItem(at: copy)
      ours.append(
        try secondsTaken {
          try node.cli(
            [
              "evidence", "add", lead, file.path, "--category", "electronic-data", "--how-fixed",
              "screen-recording", "--to", "all",
            ])
        })
      log(
        String(
          format: "B7 round %d: evidence add %.2f s, openssl dgst + cp + sync %.2f s", round, ours.last!,
          reference.last!))
    }
    return [
      BenchRow(
        scenario: "B7", ours: megabytes / median(ours), reference: megabytes / median(reference),
        unit: "MiB/s",
        referenceName: "openssl dgst -sha256 FILE, cp FILE COPY, sync COPY (the file in the page cache)",
        goal: 0.8,
        note:
          "\(Int(megabytes)) MiB, 'liandong evidence add' wall time (process start, hash, durable copy, signed change); medians of \(Self.rounds) alternated runs"
      )
    ]
  }

  private static func tool(_ path: String, _ arguments: [String]) throws {
    let child = try ChildProcess(path, arguments)
    guard child.wait(timeout: 600) == 0 else { throw BenchError("\(path) failed: \(child.stderr)") }
  }

  private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
