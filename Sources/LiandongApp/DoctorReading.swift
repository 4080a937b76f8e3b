import Foundation
import LiandongCore

/// What one of doctor's findings says, as values rather than a sentence: the command line and
/// the API print `english`, and the console words the same reading in Chinese. A new finding is a
/// new case, so a front end that words readings is told by the compiler it has one more to word.
public enum DoctorReading: Sendable, Equatable {
  /// Where something doctor had to read could not be: the sentence names it before the refusal.
  public enum Unreadable: Sendable, Equatable {
    case dataFolder, identityFiles, calendar, tlsCertificate, database, tlsContext, evidenceStore
  }

  /// A part could not be read or opened; `code` is the refusal's stable code.
  case unreadable(Unreadable, code: String, message: String)
  case configNotJSON(path: String)
  case configUnknownKeys([String])
  case configKnown

  /// The certificate does not verify now; `problem` says why.
  case certificateInvalid(problem: String)
  case certificateExpires(notAfter: Date, now: Date)

  case crlMissing
  case crlIssuedInFuture(issued: Date, now: Date)
  case crlWithoutNextUpdate
  case crlExpired(nextUpdate: Date, now: Date)
  case crlCurrent(nextUpdate: Date, now: Date)

  case clockNotBehindLog
  case clockBehindLog(now: Date, newestChange: Date)
  /// Agreement with a peer to within `within` seconds.
  case clockAgrees(peer: String, within: Double)
  /// `offset` is the peer's clock minus ours; `allowed` is set when it is beyond the drift the
  /// nodes accept.
  case clockOffset(peer: String, offset: Double, uncertainty: Double, allowed: Int?)
  case clockNotTold(peer: String)

  /// `critical` when writes fail soon or now.
  case disk(path: String, free: Int64, total: Int64, critical: Bool)
  case diskUnexaminable(path: String, reason: String)

  case databasePasses
  case databaseDamaged(problems: [String])
  /// A hub's PostgreSQL database answers at `location` (its URL without the password) with every
  /// schema step this program knows.
  case hubDatabaseAnswers(location: String, schemaSteps: Int)
  /// A hub's database lacks what this program needs (`problems`).
  case hubDatabaseIncomplete(location: String, problems: [String])
  /// A hub keeps its evidence files on this machine's disk: a second `serve` process of the same
  /// hub, on another machine, would not find them.
  case hubEvidenceOnDisk
  /// The store's URL carries a password, and `node.json` is readable by others than its owner.
  case hubPasswordReadable(path: String)

  case calendarCovers(source: String, years: ClosedRange<Int>)
  /// Today is outside the calendar; `addYear` is the year whose days the operator adds.
  case calendarNotToday(source: String, years: ClosedRange<Int>, today: String, addYear: Int)
  case calendarEndsSoon(source: String, years: ClosedRange<Int>, daysLeft: Int, addYear: Int)

  /// `damaged` are SHA-256 hashes in hex.
  case evidenceDamaged(sampled: Int, damaged: [String])
  case evidenceAwaitingRepair(count: Int)
  case evidenceNoneHeld
  case evidenceNoneSampled
  case evidenceMatches(sampled: Int, held: Int)
  /// The object store named by `evidenceStore` answers, and these credentials may use its bucket.
  case evidenceStoreAnswers(location: String)

  case peerUntrusted(peer: String, address: String, error: String)
  case peerUnreachable(peer: String, address: String, error: String)
  case peerAnswers(peer: String, address: String, roundTrip: Double?)
  case noPeers

  case catchUp(waitingFor: [String])
  case ownChangesMissing(message: String)
  case forksUndecided(count: Int, quarantined: [String])
  case forksDecided(count: Int)

  case systemdAbsent
  case systemctlUnavailable
  case unitInactive(unit: String, state: String)
  case unitActive(unit: String)

  /// The reading as `liandong doctor` prints it under `check` (`tls-certificate` names the
  /// TLS certificate where `certificate` names the signing one).
  public func english(check: String) -> String {
    let certificate =
      check == "tls-certificate" ? "this node's TLS certificate (tls.pem)" : "this node's certificate"
    return switch self {
    case .unreadable(let part, _, let message):
      switch part {
      case .dataFolder: "the data folder does not open: \(message)"
      case .identityFiles: "the CA, CRL or certificate files: \(message)"
      case .tlsContext: "no TLS context: \(message)"
      case .evidenceStore: "the object store holding the evidence files: \(message)"
      case .calendar, .tlsCertificate, .database: message
      }
    case .configNotJSON(let path): "\(path) is not a JSON object"
    case .configUnknownKeys(let keys):
      "node.json has keys the node does not read: \(keys.joined(separator: ", "))"
    case .configKnown: "node.json: every key is known"
    case .certificateInvalid(let problem): "\(certificate): \(problem)"
    case .certificateExpires(let notAfter, let now):
      "\(certificate) chains to the CA, is not revoked, and expires \(notAfter.iso8601) (\(Self.days(notAfter.timeIntervalSince(now))))"
    case .crlMissing: "no CRL is installed: a revoked certificate is trusted until one is"
    case .crlIssuedInFuture(let issued, let now):
      "the CRL was issued \(issued.iso8601), after this machine's time \(now.iso8601)"
    case .crlWithoutNextUpdate: "the CRL names no next update, so nothing says when it goes stale"
    case .crlExpired(let nextUpdate, let now):
      "the CRL expired \(nextUpdate.iso8601) (\(Self.days(nextUpdate.timeIntervalSince(now)))): every peer's TLS handshake with this node fails"
    case .crlCurrent(let nextUpdate, let now):
      "the CRL is current until \(nextUpdate.iso8601) (\(Self.days(nextUpdate.timeIntervalSince(now))))"
    case .clockNotBehindLog: "this machine's clock is not behind any change the node holds"
    case .clockBehindLog(let now, let newest):
      "this machine's clock (\(now.iso8601)) is behind the newest change the node holds (\(newest.iso8601))"
    case .clockAgrees(let peer, let within):
      "this machine's clock agrees with \(peer)'s to within "
        + (within < 1 ? "\(Self.milliseconds(within, roundingUp: true)) ms" : "\(Self.seconds(within)) s")
    case .clockOffset(let peer, let offset, let uncertainty, let allowed):
      "this machine's clock is \(Self.seconds(abs(offset))) s \(offset > 0 ? "behind" : "ahead of") \(peer)'s (± \(Self.seconds(uncertainty)) s)"
        + (allowed.map { allowed in
          ", more than the \(allowed) s the nodes allow: "
            + (offset > 0
              ? "changes from \(peer) look like they come from the future and are refused here"
              : "\(peer) refuses this node's changes as coming from the future")
        } ?? "")
    case .clockNotTold(let peer): "\(peer) does not tell its clock (an older liandong)"
    case .disk(let path, let free, let total, let critical):
      "\(Self.bytes(free)) free of \(Self.bytes(total)) (\(Self.percent(free, of: total)) %) on the file system of \(path)"
        + (critical ? ": writes and fetched evidence fail soon or now" : "")
    case .diskUnexaminable(let path, let reason): "the file system of \(path) cannot be examined: \(reason)"
    case .databasePasses: "the database passes SQLite's quick check"
    case .databaseDamaged(let problems):
      "the database is damaged: " + problems.prefix(3).joined(separator: "; ")
        + (problems.count > 3 ? "; and \(problems.count - 3) more" : "")
    case .hubDatabaseAnswers(let location, let steps):
      "the PostgreSQL database answers (\(location)) and has every schema step (\(steps))"
    case .hubDatabaseIncomplete(let location, let problems):
      "the PostgreSQL database (\(location)): " + problems.joined(separator: "; ")
    case .hubEvidenceOnDisk:
      "the log is in PostgreSQL but the evidence files are on this machine's disk (blobs/): another serve process of this hub, on another machine, would not find them"
    case .hubPasswordReadable(let path):
      "\(path) holds the database's password in its store URL and other users may read it"
    case .calendarCovers(let source, let years): Self.covers(source, years)
    case .calendarNotToday(let source, let years, let today, _):
      Self.covers(source, years) + ", not today (\(today)): no deadline can be counted"
    case .calendarEndsSoon(let source, let years, let daysLeft, _):
      Self.covers(source, years)
        + ": a deadline that ends in \(years.upperBound + 1) or later cannot be counted (\(daysLeft) days left)"
    case .evidenceDamaged(let sampled, let damaged):
      "\(damaged.count) of \(sampled) evidence files read again do not match their recorded hash or are gone: "
        + damaged.prefix(3).map { String($0.prefix(16)) }.joined(separator: ", ")
    case .evidenceAwaitingRepair(let count):
      "\(count) evidence files found damaged earlier are not yet fetched again"
    case .evidenceNoneHeld: "no evidence files held yet"
    case .evidenceNoneSampled: "no evidence file read again (--sample 0)"
    case .evidenceMatches(let sampled, let held):
      "\(sampled) of \(held) evidence files read again match their recorded hash"
    case .evidenceStoreAnswers(let location):
      "the object store holding the evidence files answers (\(location))"
    case .peerUntrusted(let peer, let address, let error): "\(peer) at \(address): \(error)"
    case .peerUnreachable(let peer, let address, let error):
      "\(peer) at \(address) cannot be reached: \(error)"
    case .peerAnswers(let peer, let address, let roundTrip):
      "\(peer) at \(address) answers and is trusted"
        + (roundTrip.map { " (\(Self.milliseconds($0)) ms)" } ?? "")
    case .noPeers: "no peers are configured: this node shares nothing"
    case .catchUp(let waiting):
      "restored from a backup, this node writes only after it has synced with "
        + waiting.joined(separator: ", ")
    case .ownChangesMissing(let message): message
    case .forksUndecided(let count, let quarantined):
      "\(count) forks not decided, changes held back from: "
        + (quarantined.isEmpty ? "none" : quarantined.joined(separator: ", "))
    case .forksDecided(let count): "\(count) forks, each decided by the federation authority"
    case .systemdAbsent: "systemd does not run this machine"
    case .systemctlUnavailable: "systemctl cannot be run, or cannot reach systemd"
    case .unitInactive(let unit, let state): "\(unit) is \(state)"
    case .unitActive(let unit): "\(unit) is active"
    }
  }

  private static func covers(_ source: String, _ years: ClosedRange<Int>) -> String {
    "the working-day calendar (\(source)) covers \(years.lowerBound)-\(years.upperBound)"
  }

  static func days(_ interval: TimeInterval) -> String {
    let (days, hours) = wholeDays(interval)
    let amount = days >= 1 ? "\(days) day\(days == 1 ? "" : "s")" : "\(hours) hours"
    return interval >= 0 ? "in \(amount)" : "\(amount) ago"
  }

  /// An interval's whole days, and its whole hours for one shorter than a day.
  public static func wholeDays(_ interval: TimeInterval) -> (days: Int, hours: Int) {
    (Int((abs(interval) / 86_400).rounded(.down)), Int(abs(interval) / 3600))
  }

  /// A size in binary units, as `df -h` reads: `12.3 GiB`.
  public static func bytes(_ count: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
  }

  public static func percent(_ part: Int64, of total: Int64) -> String {
    String(format: "%.0f", total > 0 ? Double(part) / Double(total) * 100 : 0)
  }

  public static func seconds(_ value: Double) -> String { String(format: "%.1f", value) }

  /// Whole milliseconds; `roundingUp` for a bound, so that a few microseconds are not "0 ms".
  public static func milliseconds(_ value: Double, roundingUp: Bool = false) -> String {
    // Less a nanosecond before rounding up: 0.005 s is 5 ms, not the 6 its binary fraction makes.
    String(format: "%.0f", roundingUp ? (value * 1000 - 1e-6).rounded(.up) : value * 1000)
  }
}
