import Foundation

/// One act on one domain object. A change carries one or more, all signed together.
public struct DomainOperation: Hashable, Sendable {
  public var objectID: ObjectID
  public var action: Action

  public init(objectID: ObjectID, action: Action) {
    self.objectID = objectID
    self.action = action
  }

  public enum Action: Hashable, Sendable {
    /// The origin's certificate chain, leaf first (DER). Always in an audience-`all` change.
    case announceNode(certificateChain: [Data])
    /// The federation manifest as the CA signed it. Always in an audience-`all` change.
    case publishManifest(SignedManifest)
    /// The CA's revocation lists (DER), relayed to every node. Always in an audience-`all` change.
    case publishRevocationLists([Data])
    /// The origin's clock ran ahead: this change may be stamped earlier than the one before it,
    /// and re-times those stamped later than it (`ChainTime`). Always in an audience-`all` change.
    case correctClock
    case createSubject(SubjectRecord)
    case createLead(LeadFields)
    case updateLead(LeadPatch)
    /// An evidence item; its file travels as a blob addressed by the record's SHA-256.
    case addEvidence(EvidenceRecord)
    /// An event in an evidence item's chain of custody.
    case recordCustody(CustodyRecord)
    /// Case hand-off (案件移送), on the lead that stands for the case, naming the last hand-off act
    /// the actor had seen.
    case handOff(HandOffAct, basis: OperationRef?)
    /// An evidence item shared with more nodes by one that holds it (the change's audience).
    case shareEvidence(EvidenceShare)
    /// Early warning to a region that cannot see the sender's lead on the same subject.
    case warnOfSubject(SubjectWarning)
    /// Acknowledgement, checking, decision and feedback by a receiving bureau; withdrawal or
    /// merging by the owner.
    case leadAct(LeadAct)
    /// Transfer to police (行刑衔接), recorded by the bureau that owns the case.
    case policeTransfer(PoliceAct)
    /// An assistance request to another bureau.
    case createRequest(AssistanceRequestRecord)
    /// An act on an assistance request, naming the last operation the actor had seen on it.
    case actOnRequest(RequestAct, basis: OperationRef?)
    /// An operation this node could not read (newer format, or bad content). It stays in the log
    /// and is reported as refused; it never stops the origin's chain.
    case unreadable(reason: String)
  }
}

/// A regulated party (DOMAIN.md "Subject"). Identifiers are validated before they are stored.
public struct SubjectRecord: Hashable, Sendable {
  public var kind: SubjectKind
  public var name: String
  public var uscc: String?
  public var registeredDivision: String?
  public var businessDivision: String?
  public var platform: String?
  public var shopID: String?
  public var url: String?

  public init(
    kind: SubjectKind, name: String, uscc: String? = nil, registeredDivision: String? = nil,
    businessDivision: String? = nil, platform: String? = nil, shopID: String? = nil, url: String? = nil
  ) {
    self.kind = kind
    self.name = name
    self.uscc = uscc
    self.registeredDivision = registeredDivision
    self.businessDivision = businessDivision
    self.platform = platform
    self.shopID = shopID
    self.url = url
  }

  /// Refuses what a bureau must never store silently: a blank name, a bad USCC or division code.
  public func validate() throws {
    guard !name.isBlankOrNewlines else {
      throw CoreError.missingField("subject name")
    }
    try TextLimit.check("subject name", name, limit: TextLimit.name)
    try TextLimit.check("platform", platform, limit: TextLimit.name)
    try TextLimit.check("shop ID", shopID, limit: TextLimit.name)
    try TextLimit.check("URL", url, limit: TextLimit.url)
    if let uscc { _ = try USCC(uscc) }
    if let registeredDivision { _ = try DivisionCode(registeredDivision) }
    if let businessDivision { _ = try DivisionCode(businessDivision) }
  }
}

/// The fields of a lead (问题线索) that its owner sets and may later edit.
public struct LeadFields: Hashable, Sendable {
  public var source: LeadSource
  public var violations: [Violation]
  public var subjectIDs: [ObjectID]
  public var productCategory: String
  public var summary: String
  public var risk: RiskLevel
  public var sourceReliability: SourceReliability
  public var informationReliability: Int
  public var reporterRealName: Bool

  public init(
    source: LeadSource = .onlineMonitoring, violations: [Violation], subjectIDs: [ObjectID],
    productCategory: String = "", summary: String, risk: RiskLevel = .medium,
    sourceReliability: SourceReliability = .x, informationReliability: Int = 4,
    reporterRealName: Bool = false
  ) {
    self.source = source
    self.violations = violations
    self.subjectIDs = subjectIDs
    self.productCategory = productCategory
    self.summary = summary
    self.risk = risk
    self.sourceReliability = sourceReliability
    self.informationReliability = informationReliability
    self.reporterRealName = reporterRealName
  }

  public func validate() throws {
    guard !violations.isEmpty else { throw CoreError.missingField("at least one violation") }
    guard !summary.isBlankOrNewlines else {
      throw CoreError.missingField("summary")
    }
    try TextLimit.check("summary", summary, limit: TextLimit.summary)
    try TextLimit.check("product category", productCategory, limit: TextLimit.name)
    guard (1...4).contains(informationReliability) else {
      throw CoreError.invalidValue(
        field: "information reliability", value: String(informationReliability),
        allowed: ["1", "2", "3", "4"])
    }
  }
}

/// An edit of a lead: only the fields named are replaced.
public struct LeadPatch: Hashable, Sendable {
  public var source: LeadSource?
  public var violations: [Violation]?
  public var subjectIDs: [ObjectID]?
  public var productCategory: String?
  public var summary: String?
  public var risk: RiskLevel?
  public var sourceReliability: SourceReliability?
  public var informationReliability: Int?
  public var reporterRealName: Bool?

  public init() {}

  public var isEmpty: Bool { self == LeadPatch() }

  public func applied(to fields: LeadFields) -> LeadFields {
    var result = fields
    if let source { result.source = source }
    if let violations { result.violations = violations }
    if let subjectIDs { result.subjectIDs = subjectIDs }
    if let productCategory { result.productCategory = productCategory }
    if let summary { result.summary = summary }
    if let risk { result.risk = risk }
    if let sourceReliability { result.sourceReliability = sourceReliability }
    if let informationReliability { result.informationReliability = informationReliability }
    if let reporterRealName { result.reporterRealName = reporterRealName }
    return result
  }
}
