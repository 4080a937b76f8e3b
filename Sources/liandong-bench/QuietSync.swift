import Foundation

/// B4 of BENCHMARKS.md: what a sync costs when nothing is new, once the handshake is done. Run
/// after a scenario has brought `node` level with `peer`; the best of three.
struct QuietSync {
  let seconds: Double
  let bytesSent: Int
  let bytesReceived: Int

  init(_ node: BenchNode, with peer: String, port: Int) throws {
    var best = try node.sync(with: peer, port: port)
    for _ in 0..<2 {
      let next = try node.sync(with: peer, port: port)
      if next.seconds < best.seconds { best = next }
    }
    (seconds, bytesSent, bytesReceived) = (best.seconds, best.bytesSent, best.bytesReceived)
    FileHandle.standardError.write(
      Data(
        String(format: "B4: %.1f ms, %d bytes out, %d bytes in\n", seconds * 1000, bytesSent, bytesReceived)
          .utf8))
  }

  /// The two B4 rows; `holding` says what both nodes held.
  func rows(holding: String) -> [BenchRow] {
    [
      BenchRow(
        scenario: "B4 time", ours: seconds * 1000, reference: 50, unit: "ms",
        referenceName: "the goal's limit",
        goal: 0, note: "a sync with nothing new, both holding \(holding); best of 3, after the handshake",
        lowerIsBetter: true),
      BenchRow(
        scenario: "B4 bytes", ours: Double(max(bytesSent, bytesReceived)), reference: 4096, unit: "B",
        referenceName: "the goal's limit", goal: 0,
        note: "application data of that sync, the larger direction (out \(bytesSent), in \(bytesReceived))",
        lowerIsBetter: true),
    ]
  }
}
