/// The enumerated values of DOMAIN.md, spelled as its "Canonical names" section fixes them, so
/// that scripts, tests and other nodes agree.
public protocol CanonicalName: RawRepresentable<String>, CaseIterable, Hashable, Sendable {
  /// What the value is called in an error message ("violation", "risk level", ...).
  static var fieldName: String { get }
}

extension CanonicalName {
  /// Parses a canonical name, or says which names are allowed.
  public init(canonical text: String) throws {
    guard let value = Self(rawValue: text) else {
      throw CoreError.invalidValue(field: Self.fieldName, value: text, allowed: Self.allCases.map(\.rawValue))
    }
    self = value
  }
}

public enum Violation: String, CanonicalName, Codable {
  case forgedReport = "forged-report"
  case misusedCMA = "misused-cma"
  case falseCertification = "false-certification"
  case noCCC = "no-ccc"
  case falseAdvertising = "false-advertising"
  case abnormalPrice = "abnormal-price"
  case recalledProduct = "recalled-product"
  case threeNoes = "three-noes"
  case other = "other"
  public static let fieldName = "violation"
}

public enum LeadSource: String, CanonicalName, Codable {
  case onlineMonitoring = "online-monitoring"
  case complaint
  case report
  case inspection
  case transfer
  case assigned
  public static let fieldName = "lead source"
}

public enum RiskLevel: String, CanonicalName, Codable {
  case serious, high, medium, low
  public static let fieldName = "risk level"
}

/// Reliability of the source (A: reliable ... X: cannot be judged), as in intelligence grading.
public enum SourceReliability: String, CanonicalName, Codable {
  case a = "A", b = "B", c = "C", x = "X"
  public static let fieldName = "source reliability"
}

public enum SubjectKind: String, CanonicalName, Codable {
  case enterprise
  case individualBusiness = "individual-business"
  case naturalPerson = "natural-person"
  case platform, shop, laboratory, product
  public static let fieldName = "subject kind"
}

/// A lead's life (DOMAIN.md): draft -> published -> acknowledged -> checking -> an outcome ->
/// closed.
public enum LeadState: String, CanonicalName, Codable {
  case draft, published, acknowledged, checking
  case caseOpened = "case-opened"
  case notOpened = "not-opened"
  case transferred, withdrawn, merged, closed
  public static let fieldName = "lead state"
}

/// The eight kinds of evidence of the Penalty Procedure Rules, Art. 23.
public enum EvidenceCategory: String, CanonicalName {
  case documentary, physical
  case audioVisual = "audio-visual"
  case electronicData = "electronic-data"
  case witnessStatement = "witness-statement"
  case partyStatement = "party-statement"
  case appraisalOpinion = "appraisal-opinion"
  case inspectionRecord = "inspection-record"
  public static let fieldName = "evidence category"
}

/// How electronic data was fixed (Art. 26, 31).
public enum FixingMethod: String, CanonicalName {
  case copy, screenshot
  case screenRecording = "screen-recording"
  case testPurchase = "test-purchase"
  case commissionedAnalysis = "commissioned-analysis"
  case writtenRecord = "written-record"
  public static let fieldName = "fixing method"
}

/// What an assistance request asks the other bureau to do.
public enum AssistanceTask: String, CanonicalName {
  case verifyRegistration = "verify-registration"
  case obtainRecords = "obtain-records"
  case interview
  case onSiteInspection = "on-site-inspection"
  case sampling
  case serviceOfDocuments = "service-of-documents"
  public static let fieldName = "assistance task"
}

/// An assistance request's life (DOMAIN.md): sent -> acknowledged -> in progress -> an outcome ->
/// closed; or cancelled by the requester; or, when the two bureaus acted at once in incompatible
/// ways, a conflict until one of them resolves it.
public enum RequestState: String, CanonicalName {
  case sent, acknowledged
  case inProgress = "in-progress"
  case completed
  case partlyCompleted = "partly-completed"
  case declined, cancelled, closed, conflict
  public static let fieldName = "request state"
}

/// The events of an evidence item's chain of custody (DOMAIN.md).
public enum CustodyEventKind: String, CanonicalName {
  case collected, sealed, hashed
  case handedOver = "handed-over"
  case received, opened, returned, destroyed
  case passedToPolice = "passed-to-police"
  /// The holder found its copy altered or missing on its own disk, and set it aside.
  case damaged
  public static let fieldName = "custody event"
}

/// Printed (and interpolated) as their canonical names, as `--json` encodes them.
extension CanonicalName {
  public var description: String { rawValue }
}

extension Violation: CustomStringConvertible {}
extension LeadSource: CustomStringConvertible {}
extension RiskLevel: CustomStringConvertible {}
extension SourceReliability: CustomStringConvertible {}
extension SubjectKind: CustomStringConvertible {}
extension LeadState: CustomStringConvertible {}
extension RequestState: CustomStringConvertible, Codable {}
extension EvidenceCategory: CustomStringConvertible, Codable {}
extension PoliceTransferState: CustomStringConvertible, Codable {}
extension LeadOutcome: CustomStringConvertible, Codable {}
