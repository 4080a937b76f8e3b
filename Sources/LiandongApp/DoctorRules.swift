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
  /// `check` is `tls-certificate` for the TLS certificate of an `sm` node.
  public static func certificate(
    notAfter: Date, problem: String?, now: Date, check: String = "certificate"
  ) -> DoctorFinding {
    if let problem {
      return DoctorFinding(
        check: check, severity: .error, reading: .certificateInvalid(problem: problem), remedy: rotate
      )
    }
    let soon = notAfter.timeIntervalSince(now) < certificateWarning
    return DoctorFinding(
      check: check, severity: soon ? .warning : .ok,
      reading: .certificateExpires(notAfter: notAfter, now: now), remedy: soon ? rotate : nil)
  }

  /// One revocation list of the CA, or none at all (`nextUpdate` and `lastUpdate` nil, `present` false).
  public static func crl(
    present: Bool, lastUpdate: Date?, nextUpdate: Date?, maximumDrift: TimeInterval, now: Date
  ) -> DoctorFinding {
    guard present else {
      return DoctorFinding(check: "crl", severity: .warning, reading: .crlMissing, remedy: renewCRL)
    }
    if let lastUpdate, lastUpdate.timeIntervalSince(now) > maximumDrift {
      return DoctorFinding(
        check: "crl", severity: .error, reading: .crlIssuedInFuture(issued: lastUpdate, now: now),
        remedy: fixClock)
    }
    guard let nextUpdate else {
      return DoctorFinding(check: "crl", severity: .warning, reading: .crlWithoutNextUpdate, remedy: renewCRL)
    }
    let left = nextUpdate.timeIntervalSince(now)
    if left <= 0 {
      return DoctorFinding(
        check: "crl", severity: .error, reading: .crlExpired(nextUpdate: nextUpdate, now: now),
        remedy: renewCRL)
    }
    let soon = left < crlWarning
    return DoctorFinding(
      check: "crl", severity: soon ? .warning : .ok, reading: .crlCurrent(nextUpdate: nextUpdate, now: now),
      remedy: soon ? renewCRL : nil)
  }

  /// This machine's clock against the newest change the node holds: behind it, the node's next
  /// change would carry an earlier time than one it already signed or accepted.
  public static func clock(newestChange: Date?, maximumDrift: TimeInterval, now: Date) -> DoctorFinding {
    guard let newestChange, newestChange.timeIntervalSince(now) > maximumDrift else {
      return DoctorFinding(check: "clock", severity: .ok, reading: .clockNotBehindLog)
    }
    return DoctorFinding(
      check: "clock", severity: .error, reading: .clockBehindLog(now: now, newestChange: newestChange),
      remedy: fixClock)
  }

  /// This machine's clock against a peer's: `offset` is the peer's clock minus ours, known to
  /// within `uncertainty` (half the time its Hello took to arrive).
  public static func clock(
    peer: String, offset: TimeInterval, uncertainty: TimeInterval, maximumDrift: TimeInterval
  ) -> DoctorFinding {
    let least = max(0, abs(offset) - uncertainty)
    // Below a second a reading over the network says nothing a person can act on, and "0.0 s
    // ahead" reads as a fault; the nodes allow minutes.
    guard least >= 1 else {
      return DoctorFinding(
        check: "clock", subject: peer, severity: .ok,
        reading: .clockAgrees(peer: peer, within: abs(offset) + uncertainty))
    }
    let severity: DoctorFinding.Severity =
      least > maximumDrift ? .error : least > clockWarning ? .warning : .ok
    return DoctorFinding(
      check: "clock", subject: peer, severity: severity,
      reading: .clockOffset(
        peer: peer, offset: offset, uncertainty: uncertainty,
        allowed: severity == .error ? Int(maximumDrift) : nil),
      remedy: severity == .ok ? nil : fixClock)
  }

  /// Free space on the data folder's file system.
  public static func disk(path: String, free: Int64, total: Int64) -> DoctorFinding {
    let fraction = total > 0 ? Double(free) / Double(total) : 0
    let remedy =
      "Free space on that file system or move the data folder to a larger one (stop the node, move the folder, start it with --data NEW)."
    let critical = free < diskErrorBytes || fraction < diskErrorFraction
    let low = free < diskWarningBytes || fraction < diskWarningFraction
    return DoctorFinding(
      check: "disk", severity: critical ? .error : low ? .warning : .ok,
      reading: .disk(path: path, free: free, total: total, critical: critical), remedy: low ? remedy : nil)
  }

  /// SQLite's quick check of the database file; `problems` empty when it passed.
  public static func database(problems: [String]) -> DoctorFinding {
    guard !problems.isEmpty else {
      return DoctorFinding(check: "database", severity: .ok, reading: .databasePasses)
    }
    return DoctorFinding(
      check: "database", severity: .error, reading: .databaseDamaged(problems: problems),
      remedy:
        "Stop the node, keep the damaged folder for investigation, and 'liandong restore' the latest backup into a new folder: "
        + "it fetches from its peers whatever it signed or received since (Deploy/README.md, section 5).")
  }

  /// A hub's PostgreSQL database (at `location`, shown without its password): every schema step
  /// this program knows applied, or `problems` naming what is not.
  public static func hubDatabase(location: String, schemaSteps: Int, problems: [String]) -> DoctorFinding {
    guard !problems.isEmpty else {
      return DoctorFinding(
        check: "database", severity: .ok,
        reading: .hubDatabaseAnswers(location: location, schemaSteps: schemaSteps))
    }
    return DoctorFinding(
      check: "database", severity: .error,
      reading: .hubDatabaseIncomplete(location: location, problems: problems),
      remedy:
        "Run 'liandong doctor' or 'liandong serve' once as a role that owns the database, so that the node brings its schema up to date; or grant this role what it lacks (Deploy/README.md, section 11)."
    )
  }

  /// What a hub's set-up leaves open: evidence files on one machine's disk (`evidenceOnDisk`),
  /// which a second `serve` process on another machine would not find; the database's password
  /// readable by others in `node.json` (`passwordReadableIn`, its path).
  public static func hubSetUp(evidenceOnDisk: Bool, passwordReadableIn path: String?) -> [DoctorFinding] {
    var found: [DoctorFinding] = []
    if evidenceOnDisk {
      found.append(
        DoctorFinding(
          check: "hub-evidence", severity: .warning, reading: .hubEvidenceOnDisk,
          remedy:
            "Keep it so while one machine runs this hub's serve; before a second runs it, set evidenceStore in node.json to keep the files in an object store (Deploy/README.md, section 10)."
        ))
    }
    if let path {
      found.append(
        DoctorFinding(
          check: "hub-password", severity: .warning, reading: .hubPasswordReadable(path: path),
          remedy:
            "Run 'chmod 600 \(path)', or move the password out of the URL into the node user's ~/.pgpass (Deploy/README.md, section 11)."
        ))
    }
    return found
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
    let addYear = max(next, today.year)
    let remedy =
      "Add \(addYear)'s public holidays and make-up working days from the State Council's notice to a copy of the calendar file and name it in node.json's \"calendar\" (Deploy/README.md, section 8); then restart the node."
    if today.year < years.lowerBound || daysLeft <= 0 {
      return DoctorFinding(
        check: "calendar", severity: .error,
        reading: .calendarNotToday(source: source, years: years, today: "\(today)", addYear: addYear),
        remedy: remedy)
    }
    if daysLeft <= calendarWarningDays {
      return DoctorFinding(
        check: "calendar", severity: .warning,
        reading: .calendarEndsSoon(source: source, years: years, daysLeft: daysLeft, addYear: addYear),
        remedy: remedy)
    }
    return DoctorFinding(
      check: "calendar", severity: .ok, reading: .calendarCovers(source: source, years: years))
  }

  /// A sample of the held evidence files read again: `damaged` are those whose content is not
  /// their hash (or are gone), `recorded` those found damaged earlier and not yet fetched again.
  public static func evidence(sampled: Int, held: Int, damaged: [String], recorded: Int) -> DoctorFinding {
    if !damaged.isEmpty {
      return DoctorFinding(
        check: "evidence", severity: .error, reading: .evidenceDamaged(sampled: sampled, damaged: damaged),
        remedy:
          "Run 'liandong verify': it reads every file, sets damaged ones aside under blobs/damaged/ and fetches them again from peers; then check the disk."
      )
    }
    if recorded > 0 {
      return DoctorFinding(
        check: "evidence", severity: .warning, reading: .evidenceAwaitingRepair(count: recorded),
        remedy:
          "Keep the node syncing with the peers that hold them ('liandong evidence show ID' names each one).")
    }
    if held == 0 || sampled == 0 {
      return DoctorFinding(
        check: "evidence", severity: .skipped, reading: held == 0 ? .evidenceNoneHeld : .evidenceNoneSampled)
    }
    return DoctorFinding(
      check: "evidence", severity: .ok, reading: .evidenceMatches(sampled: sampled, held: held))
  }

  /// What happened when this node tried to reach a peer: `trusted` false when the TLS handshake
  /// failed on a certificate, `error` the failure as a person reads it.
  public static func peer(
    _ peer: String, address: String, error: String?, trustProblem: Bool, roundTrip: TimeInterval?
  ) -> DoctorFinding {
    if let error {
      return trustProblem
        ? DoctorFinding(
          check: "peer", subject: peer, severity: .error,
          reading: .peerUntrusted(peer: peer, address: address, error: error),
          remedy:
            "Check that both nodes have the federation's current CA and CRL ('liandong crl install') and that neither certificate is revoked or expired."
        )
        : DoctorFinding(
          check: "peer", subject: peer, severity: .warning,
          reading: .peerUnreachable(peer: peer, address: address, error: error),
          remedy:
            "Check the address ('liandong peer list'), the network and the firewall, and ask \(peer)'s operator whether its node runs; this node keeps working and catches up when it answers."
        )
    }
    return DoctorFinding(
      check: "peer", subject: peer, severity: .ok,
      reading: .peerAnswers(peer: peer, address: address, roundTrip: roundTrip))
  }
}
