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

  /// A received change this node refused, by the refusal's stable code (`sig.bad`, `chain.gap`, ...).
  static func refused(code: String) {
    Counter(label: "liandong_refused_changes_total", dimensions: [("code", code)]).increment()
  }
}
