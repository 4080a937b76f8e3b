import Foundation
import LiandongApp
import Prometheus

/// `/metrics`: the counters and histograms swift-metrics recorded into `registry` (sessions,
/// refusals, HTTP requests), with gauges read from the node at each scrape (`OperatorFigures`).
final class OperatorMetrics: Sendable {
  let registry: PrometheusCollectorRegistry

  init(registry: PrometheusCollectorRegistry) { self.registry = registry }

  /// The text exposition as of `now`.
  func render(_ figures: OperatorFigures, now: Date = Date()) -> String {
    func gauge(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
      registry.makeGauge(
        descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: ""), labels: labels
      ).set(value)
    }
    for peer in figures.peers {
      let labels = [("peer", peer.node)]
      if let success = peer.lastSuccess {
        gauge("liandong_peer_last_success_timestamp_seconds", success.timeIntervalSince1970, labels)
        gauge("liandong_peer_lag_seconds", now.timeIntervalSince(success), labels)
      }
      if let failure = peer.lastFailure {
        gauge("liandong_peer_last_failure_timestamp_seconds", failure.timeIntervalSince1970, labels)
      }
      if let lag = peer.changesSinceSuccess { gauge("liandong_peer_lag_changes", Double(lag), labels) }
    }
    for (origin, count) in figures.changesByOrigin {
      gauge("liandong_changes_held", Double(count), [("origin", origin)])
    }
    gauge("liandong_forks", Double(figures.forks))
    gauge("liandong_quarantined_origins", Double(figures.quarantinedOrigins))
    gauge("liandong_withheld_changes", Double(figures.withheldForClock), [("reason", "clock")])
    gauge("liandong_withheld_changes", Double(figures.withheldForRevocation), [("reason", "revocation")])
    gauge("liandong_deadline_calendar_ok", figures.deadlines == nil ? 0 : 1)
    for count in figures.deadlines ?? [] {
      gauge("liandong_deadlines", Double(count.count), [("kind", count.kind), ("urgency", count.urgency)])
    }
    gauge("liandong_evidence_files", Double(figures.evidence.held), [("state", "held")])
    gauge("liandong_evidence_files", Double(figures.evidence.partial), [("state", "partial")])
    gauge("liandong_evidence_files", Double(figures.evidenceMissing), [("state", "missing")])
    gauge("liandong_evidence_files", Double(figures.evidence.damaged), [("state", "damaged")])
    gauge("liandong_evidence_bytes", Double(figures.evidence.heldBytes))
    if let next = figures.crlNextUpdate {
      gauge("liandong_crl_next_update_seconds", next.timeIntervalSince(now))
    }
    if let expiry = figures.certificateNotAfter {
      gauge("liandong_certificate_expiry_seconds", expiry.timeIntervalSince(now))
    }
    if let disk = figures.disk {
      gauge("liandong_disk_free_bytes", Double(disk.free))
      gauge("liandong_disk_size_bytes", Double(disk.total))
    }
    return registry.emitToString()
  }
}
