import Foundation

/// One thing `liandong doctor` looked at, what it found and what to do about it. `check` is a
/// stable name (`clock`, `crl`, `certificate`, `disk`, `database`, `evidence`, `peer`, `config`,
/// `catch-up`, `forks`, `systemd`) that a monitoring script can match on; `subject` names the
/// peer, file or list the finding is about when there are several of a kind.
public struct DoctorFinding: Codable, Sendable, Equatable {
  public enum Severity: String, Codable, Sendable, Comparable {
    case ok, skipped, warning, error

    private var rank: Int {
      switch self {
      case .ok: 0
      case .skipped: 1
      case .warning: 2
      case .error: 3
      }
    }

    public static func < (left: Self, right: Self) -> Bool { left.rank < right.rank }
  }

  public var check: String
  public var subject: String?
  public var severity: Severity
  public var message: String
  /// What to do; nil when nothing needs doing.
  public var remedy: String?
  /// The message as values, for a front end that words it in its own language; not part of the
  /// JSON, whose `message` is the English wording.
  public var reading: DoctorReading?

  enum CodingKeys: String, CodingKey { case check, subject, severity, message, remedy }

  public init(
    check: String, subject: String? = nil, severity: Severity, message: String, remedy: String? = nil
  ) {
    self.check = check
    self.subject = subject
    self.severity = severity
    self.message = message
    self.remedy = remedy
  }

  public init(
    check: String, subject: String? = nil, severity: Severity, reading: DoctorReading, remedy: String? = nil
  ) {
    self.init(
      check: check, subject: subject, severity: severity, message: reading.english(check: check),
      remedy: remedy)
    self.reading = reading
  }
}

/// Every finding of one examination, and the exit status an operator's script reads:
/// 0 when nothing needs doing, 1 when something will need doing soon, 2 when something is wrong now.
public struct DoctorReport: Codable, Sendable, Equatable {
  public var node: String?
  public var findings: [DoctorFinding]

  public init(node: String?, findings: [DoctorFinding]) {
    self.node = node
    self.findings = findings
  }

  public var worst: DoctorFinding.Severity { findings.map(\.severity).max() ?? .ok }

  public var exitStatus: Int32 {
    switch worst {
    case .ok, .skipped: 0
    case .warning: 1
    case .error: 2
    }
  }
}
