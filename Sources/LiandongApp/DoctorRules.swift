import Foundation
import LiandongCore

/// What `liandong doctor` makes of each reading: pure functions of the reading and the moment,
/// so the thresholds are tested without a broken machine. The thresholds are the moments an
/// operator can still act calmly: a CRL is renewed by the CA, which takes days; a certificate by
/// `cert rotate`, which needs the CA too.
public enum DoctorRules {
  /// A CRL due for renewal within this long is a warning: after its next-update every peer's TLS
  /// handshake with this node fails.
  public static let crlWarning: TimeInterval = 7 * 86_400
  public static let certificateWarning: TimeInterval = 30 * 86_400
  /// Clocks further apart than this are worth fixing before they reach the drift peers refuse.
  public static let clockWarning: TimeInterval = 10
  /// Free space below either figure stops writes soon (SQLite needs room for its journal, a
  /// fetched evidence file for its whole size); below the error figures, now.
  public static let diskErrorBytes: Int64 = 256 << 20
  public static let diskErrorFraction = 0.02
  public static let diskWarningBytes: Int64 = 1 << 30
  public static let diskWarningFraction = 0.05

  /// Deadlines run this far ahead of the day they start (a lead's decision, extended, takes 30
  /// working days): a calendar that ends sooner leaves some of them uncounted.
  public static let calendarWarningDays = 60

  static let rotate =
    "Ask the federation CA for a new certificate and install it with 'liandong cert rotate' (Deploy/README.md, Renewals)."
  static let renewCRL =
    "Ask the federation CA for a fresh CRL ('liandong-pki crl') and install it with 'liandong crl install FILE' (Deploy/README.md, Renewals)."
  static let fixClock =
    "Synchronise this machine's clock (systemd-timesyncd or chrony, against the bureau's NTP server), then run 'liandong doctor' again."

  /// The node's own certificate: `problem` is why its chain does not verify now, if it does not.
  public static func certificate(notAfter: Date, problem: String?, now: Date) -> DoctorFinding {
    if let problem {
      return DoctorFinding(
        check: "certificate", severity: .error, message: "this node's certificate: \(problem)", remedy: rotate
      )
    }
    let left = notAfter.timeIntervalSince(now)
    let message =
      "this node's certificate chains to the CA, is not revoked, and expires \(notAfter.iso8601) (\(days(left)))"
    return left < certificateWarning
      ? DoctorFinding(check: "certificate", severity: .warning, message: message, remedy: rotate)
      : DoctorFinding(check: "certificate", severity: .ok, message: message)
  }

  /// One revocation list of the CA, or none at all (`nextUpdate` and `lastUpdate` nil, `present` false).
  public static func crl(
    present: Bool, lastUpdate: Date?, nextUpdate: Date?, maximumDrift: TimeInterval, now: Date
  ) -> DoctorFinding {
    guard present else {
      return DoctorFinding(
        check: "crl", severity: .warning,
        message: "no CRL is installed: a revoked certificate is trusted until one is", remedy: renewCRL)
    }
    if let lastUpdate, lastUpdate.timeIntervalSince(now) > maximumDrift {
      return DoctorFinding(
        check: "crl", severity: .error,
        message: "the CRL was issued \(lastUpdate.iso8601), after this machine's time \(now.iso8601)",
        remedy: fixClock)
    }
    guard let nextUpdate else {
      return DoctorFinding(
        check: "crl", severity: .warning,
        message: "the CRL names no next update, so nothing says when it goes stale",
        remedy: renewCRL)
    }
    let left = nextUpdate.timeIntervalSince(now)
    if left <= 0 {
      return DoctorFinding(
        check: "crl", severity: .error,
        message:
          "the CRL expired \(nextUpdate.iso8601) (\(days(left))): every peer's TLS handshake with this node fails",
        remedy: renewCRL)
    }
    let message = "the CRL is current until \(nextUpdate.iso8601) (\(days(left)))"
    return left < crlWarning
      ? DoctorFinding(check: "crl", severity: .warning, message: message, remedy: renewCRL)
      : DoctorFinding(check: "crl", severity: .ok, message: message)
  }

  /// This machine's clock against the newest change the node holds: behind it, the node's next
  /// change would carry an earlier time than one it already signed or accepted.
  public static func clock(newestChange: Date?, maximumDrift: TimeInterval, now: Date) -> DoctorFinding {
    guard let newestChange, newestChange.timeIntervalSince(now) > maximumDrift else {
      return DoctorFinding(
        check: "clock", severity: .ok, message: "this machine's clock is not behind any change the node holds"
      )
    }
    return DoctorFinding(
      check: "clock", severity: .error,
      message:
        "this machine's clock (\(now.iso8601)) is behind the newest change the node holds (\(newestChange.iso8601))",
      remedy: fixClock)
  }

  /// This machine's clock against a peer's: `offset` is the peer's clock minus ours, known to
  /// within `uncertainty` (half the time its Hello took to arrive).
  public static func clock(
    peer: String, offset: TimeInterval, uncertainty: TimeInterval, maximumDrift: TimeInterval
  ) -> DoctorFinding {
    let least = max(0, abs(offset) - uncertainty)
    let direction = offset > 0 ? "behind" : "ahead of"
    // Below a second a reading over the network says nothing a person can act on, and "0.0 s
    // ahead" reads as a fault; the nodes allow minutes.
    let message =
      least < 1
      ? "this machine's clock agrees with \(peer)'s to within \(String(format: "%.1f", abs(offset) + uncertainty)) s"
      : "this machine's clock is \(String(format: "%.1f", abs(offset))) s \(direction) \(peer)'s (± \(String(format: "%.1f", uncertainty)) s)"
    if least > maximumDrift {
      let consequence =
        offset > 0
        ? "changes from \(peer) look like they come from the future and are refused here"
        : "\(peer) refuses this node's changes as coming from the future"
      return DoctorFinding(
        check: "clock", subject: peer, severity: .error,
        message: message + ", more than the \(Int(maximumDrift)) s the nodes allow: \(consequence)",
        remedy: fixClock)
    }
    return DoctorFinding(
      check: "clock", subject: peer, severity: least > clockWarning ? .warning : .ok, message: message,
      remedy: least > clockWarning ? fixClock : nil)
  }

  /// Free space on the data folder's file system.
  public static func disk(path: String, free: Int64, total: Int64) -> DoctorFinding {
    let fraction = total > 0 ? Double(free) / Double(total) : 0
    let message =
      "\(bytes(free)) free of \(bytes(total)) (\(String(format: "%.0f", fraction * 100)) %) on the file system of \(path)"
    let remedy =
      "Free space on that file system or move the data folder to a larger one (stop the node, move the folder, start it with --data NEW)."
    if free < diskErrorBytes || fraction < diskErrorFraction {
      return DoctorFinding(
        check: "disk", severity: .error, message: message + ": writes and fetched evidence fail soon or now",
        remedy: remedy)
    }
    if free < diskWarningBytes || fraction < diskWarningFraction {
      return DoctorFinding(check: "disk", severity: .warning, message: message, remedy: remedy)
    }
    return DoctorFinding(check: "disk", severity: .ok, message: message)
  }

  /// SQLite's quick check of the database file; `problems` empty when it passed.
  public static func database(problems: [String]) -> DoctorFinding {
    guard !problems.isEmpty else {
      return DoctorFinding(
        check: "database", severity: .ok, message: "the database passes SQLite's quick check")
    }
    return DoctorFinding(
      check: "database", severity: .error,
      message: "the database is damaged: " + problems.prefix(3).joined(separator: "; ")
        + (problems.count > 3 ? "; and \(problems.count - 3) more" : ""),
      remedy:
        "Stop the node, keep the damaged folder for investigation, and 'liandong restore' the latest backup into a new folder: "
        + "it fetches from its peers whatever it signed or received since (Deploy/README.md, section 5).")
  }

  /// The working-day calendar deadlines are counted with (`source`: the file, or built in),
  /// covering `years`: past its last day no deadline can be counted, and shortly before it those
  /// that would end past it cannot.
  public static func calendar(years: ClosedRange<Int>, source: String, now: Date) -> DoctorFinding {
    let today = CivilDate(chinaDayOf: now.unixMillis)
    let next = years.upperBound + 1
    let daysLeft =
      (try? CivilDate(year: next, month: 1, day: 1))
      .map { $0.daysSinceEpoch - today.daysSinceEpoch } ?? Int.max
    let covers = "the working-day calendar (\(source)) covers \(years.lowerBound)-\(years.upperBound)"
    let remedy =
      "Add \(max(next, today.year))'s public holidays and make-up working days from the State Council's notice to a copy of the calendar file and name it in node.json's \"calendar\" (Deploy/README.md, section 8); then restart the node."
    if today.year < years.lowerBound || daysLeft <= 0 {
      return DoctorFinding(
        check: "calendar", severity: .error,
        message: covers + ", not today (\(today)): no deadline can be counted", remedy: remedy)
    }
    if daysLeft <= calendarWarningDays {
      return DoctorFinding(
        check: "calendar", severity: .warning,
        message: covers
          + ": a deadline that ends in \(next) or later cannot be counted (\(daysLeft) days left)",
        remedy: remedy)
    }
    return DoctorFinding(check: "calendar", severity: .ok, message: covers)
  }

  /// A sample of the held evidence files read again: `damaged` are those whose content is not
  /// their hash (or are gone), `recorded` those found damaged earlier and not yet fetched again.
  public static func evidence(sampled: Int, held: Int, damaged: [String], recorded: Int) -> DoctorFinding {
    if !damaged.isEmpty {
      return DoctorFinding(
        check: "evidence", severity: .error,
        message:
          "\(damaged.count) of \(sampled) evidence files read again do not match their SHA-256 or are gone: "
          + damaged.prefix(3).map { String($0.prefix(16)) }.joined(separator: ", "),
        remedy:
          "Run 'liandong verify': it reads every file, sets damaged ones aside under blobs/damaged/ and fetches them again from peers; then check the disk."
      )
    }
    if recorded > 0 {
      return DoctorFinding(
        check: "evidence", severity: .warning,
        message: "\(recorded) evidence files found damaged earlier are not yet fetched again",
        remedy:
          "Keep the node syncing with the peers that hold them ('liandong evidence show ID' names each one).")
    }
    if held == 0 || sampled == 0 {
      return DoctorFinding(
        check: "evidence", severity: .skipped,
        message: held == 0 ? "no evidence files held yet" : "no evidence file read again (--sample 0)")
    }
    return DoctorFinding(
      check: "evidence", severity: .ok,
      message: "\(sampled) of \(held) evidence files read again match their SHA-256")
  }

  /// What happened when this node tried to reach a peer: `trusted` false when the TLS handshake
  /// failed on a certificate, `error` the failure as a person reads it.
  public static func peer(
    _ peer: String, address: String, error: String?, trustProblem: Bool, roundTrip: TimeInterval?
  ) -> DoctorFinding {
    if let error {
      return trustProblem
        ? DoctorFinding(
          check: "peer", subject: peer, severity: .error, message: "\(peer) at \(address): \(error)",
          remedy:
            "Check that both nodes have the federation's current CA and CRL ('liandong crl install') and that neither certificate is revoked or expired."
        )
        : DoctorFinding(
          check: "peer", subject: peer, severity: .warning,
          message: "\(peer) at \(address) cannot be reached: \(error)",
          remedy:
            "Check the address ('liandong peer list'), the network and the firewall, and ask \(peer)'s operator whether its node runs; this node keeps working and catches up when it answers."
        )
    }
    return DoctorFinding(
      check: "peer", subject: peer, severity: .ok,
      message: "\(peer) at \(address) answers and is trusted"
        + (roundTrip.map { " (\(String(format: "%.0f", $0 * 1000)) ms)" } ?? ""))
  }

  static func days(_ interval: TimeInterval) -> String {
    let days = Int((abs(interval) / 86_400).rounded(.down))
    let amount = days >= 1 ? "\(days) day\(days == 1 ? "" : "s")" : "\(Int(abs(interval) / 3600)) hours"
    return interval >= 0 ? "in \(amount)" : "\(amount) ago"
  }

  static func bytes(_ count: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
  }
}
