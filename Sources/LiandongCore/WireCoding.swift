import Foundation
import LiandongCrypto
import LiandongWire
import SwiftProtobuf

/// The one place that maps between the Protocol Buffers messages of `Protocol/liandong.proto` and
/// the core's values. Decoding never trusts: every field is checked for shape here.
public enum WireCoding {
  static func decodeHeader(_ bytes: Data) throws(ChangeRefusal) -> ChangeHeader {
    let wire: Liandong_V1_ChangeHeader
    do { wire = try Liandong_V1_ChangeHeader(serializedBytes: bytes) } catch {
      throw .malformedHeader(reason: "not a ChangeHeader message (\(error))")
    }
    guard let suite = CryptoSuite(headerFormat: wire.format) else { throw .unsupportedFormat(wire.format) }
    guard let origin = try? NodeID(wire.origin) else {
      throw .malformedHeader(reason: "origin '\(wire.origin.prefix(40))' is not a node ID")
    }
    guard wire.sequence >= 1 else { throw .malformedHeader(reason: "sequence 0; sequences start at 1") }
    var previous: ChangeID? = nil
    if wire.sequence == 1 {
      guard wire.previous.isEmpty else {
        throw .malformedHeader(reason: "sequence 1 names a previous change")
      }
    } else {
      guard let link = ChangeID(bytes: wire.previous) else {
        throw .malformedHeader(reason: "previous hash has \(wire.previous.count) bytes, not 32")
      }
      previous = link
    }
    guard wire.bodySha256.count == 32, wire.signerSha256.count == 32 else {
      throw .malformedHeader(reason: "body or signer hash is not 32 bytes")
    }
    let audience: Audience
    if wire.audience.all {
      guard wire.audience.nodes.isEmpty else {
        throw .malformedHeader(reason: "audience is both 'all' and named nodes")
      }
      audience = .all
    } else {
      var nodes = Set<NodeID>()
      for text in wire.audience.nodes {
        guard let node = try? NodeID(text) else {
          throw .malformedHeader(reason: "audience names '\(text.prefix(40))', which is not a node ID")
        }
        nodes.insert(node)
      }
      audience = .nodes(nodes)
    }
    return ChangeHeader(
      suite: suite, origin: origin, sequence: wire.sequence, previous: previous,
      time: HLCTimestamp(wallMillis: wire.time.wallMillis, counter: wire.time.counter),
      audience: audience, bodySHA256: wire.bodySha256, bodySize: wire.bodySize,
      signerSHA256: wire.signerSha256)
  }

  static func encodeHeader(_ header: ChangeHeader) -> Data {
    var wire = Liandong_V1_ChangeHeader()
    wire.format = header.suite.headerFormat
    wire.origin = header.origin.rawValue
    wire.sequence = header.sequence
    wire.previous = header.previous?.bytes ?? Data()
    wire.time.wallMillis = header.time.wallMillis
    wire.time.counter = header.time.counter
    switch header.audience {
    case .all: wire.audience.all = true
    case .nodes(let nodes): wire.audience.nodes = nodes.sorted().map(\.rawValue)
    }
    wire.bodySha256 = header.bodySHA256
    wire.bodySize = header.bodySize
    wire.signerSha256 = header.signerSHA256
    // Deterministic so that the same header always has the same ID in tests and vectors.
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    return try! wire.serializedBytes(options: options)
  }

  // MARK: Bodies

  /// A body that cannot be read still belongs to a signed, hash-checked change: it is kept, and
  /// its content reported as one unreadable operation.
  static func decodeBody(_ bytes: Data) -> ChangeBody {
    guard let wire = try? Liandong_V1_ChangeBody(serializedBytes: bytes) else {
      let nowhere = ObjectID(bytes: Data(count: 16))!
      return ChangeBody(
        officer: "",
        operations: [
          DomainOperation(
            objectID: nowhere, action: .unreadable(reason: "the body is not a ChangeBody message"))
        ])
    }
    return ChangeBody(officer: wire.officer, operations: wire.operations.map(decodeOperation))
  }

  static func encodeBody(_ body: ChangeBody) -> Data {
    var wire = Liandong_V1_ChangeBody()
    wire.officer = body.officer
    wire.operations = body.operations.map(encodeOperation)
    return try! wire.serializedBytes()
  }

  static func decodeOperation(_ wire: Liandong_V1_Operation) -> DomainOperation {
    let fallback = ObjectID(bytes: Data(count: 16))!
    guard let objectID = ObjectID(bytes: wire.objectID) else {
      return DomainOperation(objectID: fallback, action: .unreadable(reason: "object ID is not 16 bytes"))
    }
    do {
      switch wire.kind {
      case .announceNode(let announce):
        return DomainOperation(
          objectID: objectID, action: .announceNode(certificateChain: announce.certificateChain))
      case .publishManifest(let publish):
        return DomainOperation(
          objectID: objectID,
          action: .publishManifest(SignedManifest(document: publish.document, signature: publish.signature)))
      case .publishRevocationList(let publish):
        return DomainOperation(objectID: objectID, action: .publishRevocationLists(publish.crls))
      case .correctClock:
        return DomainOperation(objectID: objectID, action: .correctClock)
      case .createSubject(let create):
        return DomainOperation(objectID: objectID, action: .createSubject(try decodeSubject(create.subject)))
      case .createLead(let create):
        return DomainOperation(objectID: objectID, action: .createLead(try decodeLeadFields(create.fields)))
      case .updateLead(let update):
        return DomainOperation(objectID: objectID, action: .updateLead(try decodeLeadPatch(update)))
      case .addEvidence(let add):
        return DomainOperation(objectID: objectID, action: .addEvidence(try decodeEvidence(add)))
      case .policeTransfer(let act):
        return DomainOperation(objectID: objectID, action: .policeTransfer(try decodePoliceAct(act)))
      case .leadAct(let act):
        return DomainOperation(objectID: objectID, action: .leadAct(try decodeLeadAct(act)))
      case .handOff(let handOff):
        return DomainOperation(
          objectID: objectID,
          action: .handOff(
            try decodeHandOff(handOff), basis: handOff.hasBasis ? try operationRef(handOff.basis) : nil))
      case .warnOfSubject(let warn):
        guard let lead = ObjectID(bytes: warn.lead), let other = ObjectID(bytes: warn.otherLead) else {
          throw CoreError.invalidValue(
            field: "warned lead", value: warn.lead.hex, allowed: ["a 16-byte UUID"])
        }
        return DomainOperation(
          objectID: objectID,
          action: .warnOfSubject(SubjectWarning(subject: warn.subject, lead: lead, otherLead: other)))
      case .shareEvidence(let share):
        return DomainOperation(
          objectID: objectID,
          action: .shareEvidence(
            EvidenceShare(
              origin: try NodeID(share.origin), record: try decodeEvidence(share.record),
              addedBy: share.addedBy,
              added: HLCTimestamp(wallMillis: share.added.wallMillis, counter: share.added.counter))))
      case .custodyEvent(let event):
        return DomainOperation(
          objectID: objectID,
          action: .recordCustody(
            CustodyRecord(
              event: try CustodyEventKind(canonical: event.event), note: event.note,
              hashMatched: event.hashChecked ? event.hashMatched : nil, holder: event.holder)))
      case .createRequest(let create):
        return DomainOperation(objectID: objectID, action: .createRequest(try decodeRequest(create)))
      case .actOnRequest(let act):
        let (decoded, basis) = try decodeAct(act)
        return DomainOperation(objectID: objectID, action: .actOnRequest(decoded, basis: basis))
      case nil:
        return DomainOperation(
          objectID: objectID, action: .unreadable(reason: "an operation kind this node does not know"))
      }
    } catch {
      return DomainOperation(objectID: objectID, action: .unreadable(reason: "\(error)"))
    }
  }

  static func encodeOperation(_ operation: DomainOperation) -> Liandong_V1_Operation {
    var wire = Liandong_V1_Operation()
    wire.objectID = operation.objectID.bytes
    switch operation.action {
    case .announceNode(let chain):
      var announce = Liandong_V1_AnnounceNode()
      announce.certificateChain = chain
      wire.kind = .announceNode(announce)
    case .publishManifest(let signed):
      var publish = Liandong_V1_PublishManifest()
      publish.document = signed.document
      publish.signature = signed.signature
      wire.kind = .publishManifest(publish)
    case .publishRevocationLists(let lists):
      var publish = Liandong_V1_PublishRevocationList()
      publish.crls = lists
      wire.kind = .publishRevocationList(publish)
    case .correctClock:
      wire.kind = .correctClock(Liandong_V1_CorrectClock())
    case .createSubject(let subject):
      var create = Liandong_V1_CreateSubject()
      create.subject = encodeSubject(subject)
      wire.kind = .createSubject(create)
    case .createLead(let fields):
      var create = Liandong_V1_CreateLead()
      create.fields = encodeLeadFields(fields)
      wire.kind = .createLead(create)
    case .updateLead(let patch):
      wire.kind = .updateLead(encodeLeadPatch(patch))
    case .addEvidence(let evidence):
      wire.kind = .addEvidence(encodeEvidence(evidence))
    case .policeTransfer(let act):
      wire.kind = .policeTransfer(encodePoliceAct(act))
    case .leadAct(let act):
      wire.kind = .leadAct(encodeLeadAct(act))
    case .handOff(let act, let basis):
      var handOff = encodeHandOff(act)
      if let basis { handOff.basis = encodeRef(basis) }
      wire.kind = .handOff(handOff)
    case .warnOfSubject(let warning):
      var warn = Liandong_V1_WarnOfSubject()
      warn.subject = warning.subject
      warn.lead = warning.lead.bytes
      warn.otherLead = warning.otherLead.bytes
      wire.kind = .warnOfSubject(warn)
    case .shareEvidence(let share):
      var wireShare = Liandong_V1_ShareEvidence()
      wireShare.origin = share.origin.rawValue
      wireShare.record = encodeEvidence(share.record)
      wireShare.addedBy = share.addedBy
      wireShare.added.wallMillis = share.added.wallMillis
      wireShare.added.counter = share.added.counter
      wire.kind = .shareEvidence(wireShare)
    case .recordCustody(let custody):
      var event = Liandong_V1_CustodyEvent()
      event.event = custody.event.rawValue
      event.note = custody.note
      event.hashChecked = custody.hashMatched != nil
      event.hashMatched = custody.hashMatched ?? false
      event.holder = custody.holder
      wire.kind = .custodyEvent(event)
    case .createRequest(let request):
      wire.kind = .createRequest(encodeRequest(request))
    case .actOnRequest(let act, let basis):
      wire.kind = .actOnRequest(encodeAct(act, basis: basis))
    case .unreadable:
      preconditionFailure("an unreadable operation is never written")
    }
    return wire
  }

  static func decodeSubject(_ wire: Liandong_V1_Subject) throws -> SubjectRecord {
    SubjectRecord(
      kind: try SubjectKind(canonical: wire.kind), name: wire.name, uscc: wire.uscc.nonEmpty,
      registeredDivision: wire.registeredDivision.nonEmpty, businessDivision: wire.businessDivision.nonEmpty,
      platform: wire.platform.nonEmpty, shopID: wire.shopID.nonEmpty, url: wire.url.nonEmpty)
  }

  static func encodeSubject(_ subject: SubjectRecord) -> Liandong_V1_Subject {
    var wire = Liandong_V1_Subject()
    wire.kind = subject.kind.rawValue
    wire.name = subject.name
    wire.uscc = subject.uscc ?? ""
    wire.registeredDivision = subject.registeredDivision ?? ""
    wire.businessDivision = subject.businessDivision ?? ""
    wire.platform = subject.platform ?? ""
    wire.shopID = subject.shopID ?? ""
    wire.url = subject.url ?? ""
    return wire
  }

  static func decodeLeadFields(_ wire: Liandong_V1_LeadFields) throws -> LeadFields {
    LeadFields(
      source: try LeadSource(canonical: wire.source),
      violations: try wire.violations.map { try Violation(canonical: $0) },
      subjectIDs: try wire.subjectIds.map {
        guard let id = ObjectID(bytes: $0) else { throw CoreError.invalidObjectID($0.hex) }
        return id
      },
      productCategory: wire.productCategory, summary: wire.summary, risk: try RiskLevel(canonical: wire.risk),
      sourceReliability: try SourceReliability(canonical: wire.sourceReliability),
      informationReliability: Int(wire.informationReliability), reporterRealName: wire.reporterRealName)
  }

  static func encodeLeadFields(_ fields: LeadFields) -> Liandong_V1_LeadFields {
    var wire = Liandong_V1_LeadFields()
    wire.source = fields.source.rawValue
    wire.violations = fields.violations.map(\.rawValue)
    wire.subjectIds = fields.subjectIDs.map(\.bytes)
    wire.productCategory = fields.productCategory
    wire.summary = fields.summary
    wire.risk = fields.risk.rawValue
    wire.sourceReliability = fields.sourceReliability.rawValue
    wire.informationReliability = UInt32(clamping: fields.informationReliability)
    wire.reporterRealName = fields.reporterRealName
    return wire
  }

  /// The patch names its fields, so "set to empty" and "leave alone" stay distinct.
  enum PatchField: String, CaseIterable {
    case source, violations, subjects, productCategory = "product-category", summary, risk
    case sourceReliability = "source-reliability", informationReliability = "information-reliability"
    case reporterRealName = "reporter-real-name"
  }

  static func decodeLeadPatch(_ wire: Liandong_V1_UpdateLead) throws -> LeadPatch {
    let set = wire.set
    var patch = LeadPatch()
    for name in wire.fields {
      guard let field = PatchField(rawValue: name) else {
        throw CoreError.invalidValue(
          field: "lead field", value: name, allowed: PatchField.allCases.map(\.rawValue))
      }
      switch field {
      case .source: patch.source = try LeadSource(canonical: set.source)
      case .violations: patch.violations = try set.violations.map { try Violation(canonical: $0) }
      case .subjects:
        patch.subjectIDs = try set.subjectIds.map {
          guard let id = ObjectID(bytes: $0) else { throw CoreError.invalidObjectID($0.hex) }
          return id
        }
      case .productCategory: patch.productCategory = set.productCategory
      case .summary: patch.summary = set.summary
      case .risk: patch.risk = try RiskLevel(canonical: set.risk)
      case .sourceReliability:
        patch.sourceReliability = try SourceReliability(canonical: set.sourceReliability)
      case .informationReliability: patch.informationReliability = Int(set.informationReliability)
      case .reporterRealName: patch.reporterRealName = set.reporterRealName
      }
    }
    return patch
  }

  static func encodeLeadPatch(_ patch: LeadPatch) -> Liandong_V1_UpdateLead {
    var wire = Liandong_V1_UpdateLead()
    var names: [PatchField] = []
    if let v = patch.source { wire.set.source = v.rawValue; names.append(.source) }
    if let v = patch.violations { wire.set.violations = v.map(\.rawValue); names.append(.violations) }
    if let v = patch.subjectIDs { wire.set.subjectIds = v.map(\.bytes); names.append(.subjects) }
    if let v = patch.productCategory { wire.set.productCategory = v; names.append(.productCategory) }
    if let v = patch.summary { wire.set.summary = v; names.append(.summary) }
    if let v = patch.risk { wire.set.risk = v.rawValue; names.append(.risk) }
    if let v = patch.sourceReliability {
      wire.set.sourceReliability = v.rawValue; names.append(.sourceReliability)
    }
    if let v = patch.informationReliability {
      wire.set.informationReliability = UInt32(clamping: v)
      names.append(.informationReliability)
    }
    if let v = patch.reporterRealName { wire.set.reporterRealName = v; names.append(.reporterRealName) }
    wire.fields = names.map(\.rawValue)
    return wire
  }

  static func decodeEvidence(_ wire: Liandong_V1_AddEvidence) throws -> EvidenceRecord {
    guard let item = ObjectID(bytes: wire.itemID) else { throw CoreError.invalidObjectID(wire.itemID.hex) }
    return EvidenceRecord(
      itemID: item, category: try EvidenceCategory(canonical: wire.category), original: wire.original,
      howFixed: try wire.howFixed.nonEmpty.map { try FixingMethod(canonical: $0) }, fixedBy: wire.fixedBy,
      tool: wire.tool, sourceURL: wire.sourceURL, capturedAt: wire.capturedAt, fileName: wire.fileName,
      mediaType: wire.mediaType, size: wire.size, sha256: wire.sha256, description: wire.description_p)
  }

  static func encodeEvidence(_ evidence: EvidenceRecord) -> Liandong_V1_AddEvidence {
    var wire = Liandong_V1_AddEvidence()
    wire.itemID = evidence.itemID.bytes
    wire.category = evidence.category.rawValue
    wire.original = evidence.original
    wire.howFixed = evidence.howFixed?.rawValue ?? ""
    wire.fixedBy = evidence.fixedBy
    wire.tool = evidence.tool
    wire.sourceURL = evidence.sourceURL
    wire.capturedAt = evidence.capturedAt
    wire.fileName = evidence.fileName
    wire.mediaType = evidence.mediaType
    wire.size = evidence.size
    wire.sha256 = evidence.sha256
    wire.description_p = evidence.description
    return wire
  }

  // MARK: Whole changes, for files and (later) the wire

  public static func encode(_ change: SignedChange) -> Data {
    try! wire(change).serializedBytes()
  }

  /// The protobuf message of a change, for embedding in other messages (a sync batch).
  public static func wire(_ change: SignedChange) -> Liandong_V1_SignedChange {
    var wire = Liandong_V1_SignedChange()
    wire.header = change.headerBytes
    wire.signature = change.signature
    if let body = change.body {
      wire.body = body
      wire.bodyPresent = true
    }
    return wire
  }

  public static func decode(_ wire: Liandong_V1_SignedChange) throws(ChangeRefusal) -> SignedChange {
    try SignedChange(
      headerBytes: wire.header, signature: wire.signature, body: wire.bodyPresent ? wire.body : nil)
  }

  public static func decode(_ bytes: Data) throws(ChangeRefusal) -> SignedChange {
    let wire: Liandong_V1_SignedChange
    do { wire = try Liandong_V1_SignedChange(serializedBytes: bytes) } catch {
      throw .malformedHeader(reason: "not a SignedChange message")
    }
    return try decode(wire)
  }
}

extension String {
  var nonEmpty: String? { isEmpty ? nil : self }
}
