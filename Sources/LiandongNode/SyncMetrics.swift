import LiandongCore
import LiandongProtocol
import Metrics

/// What the sync records for operators, through swift-metrics: whatever backend `serve`
/// bootstraps (Prometheus for the API's /metrics) receives it, and without one it costs nothing.
public enum SyncMetrics {
  /// One session with a peer ended, dialled (`outbound`) or accepted (`inbound`).
  static func session(peer: NodeID, direction: String, summary: SyncSummary?) {
    let peerLabel = ("peer", peer.rawValue)
    Counter(
      label: "liandong_sync_sessions_total",
      dimensions: [peerLabel, ("direction", direction), ("outcome", summary == nil ? "failed" : "ok")]
    ).increment()
    guard let summary else { return }
    Counter(label: "liandong_changes_received_total", dimensions: [peerLabel]).increment(
      by: summary.changesReceived)
    Counter(label: "liandong_changes_sent_total", dimensions: [peerLabel]).increment(by: summary.changesSent)
  }

  /// The peer's clock minus this node's, as its Hello told it (the time the Hello took to arrive
  /// counts against the peer: on a LAN, milliseconds). `liandong doctor` measures it more exactly.
  static func clockOffset(peer: NodeID, peerMillis: UInt64, localMillis: UInt64) {
    Gauge(label: "liandong_peer_clock_offset_seconds", dimensions: [("peer", peer.rawValue)]).record(
      (Double(peerMillis) - Double(localMillis)) / 1000)
  }

  /// A received change this node refused, by the refusal's stable code (`sig.bad`, `chain.gap`, ...).
  static func refused(code: String) {
    Counter(label: "liandong_refused_changes_total", dimensions: [("code", code)]).increment()
  }
}
