import Foundation
import LiandongCrypto
import LiandongWire

/// Assistance requests on the wire (`CreateRequest`, `ActOnRequest` in Protocol/liandong.proto).
extension WireCoding {
  static func decodeRequest(_ wire: Liandong_V1_CreateRequest) throws -> AssistanceRequestRecord {
    AssistanceRequestRecord(
      requested: try NodeID(wire.requested), caseReference: wire.caseReference, legalBasis: wire.legalBasis,
      tasks: try wire.tasks.map { try AssistanceTask(canonical: $0) }, details: wire.details,
      evidenceIDs: try objectIDs(wire.evidenceIds),
      wantedBy: try wire.wantedBy.nonEmpty.map { try CivilDate($0) })
  }

  static func encodeRequest(_ request: AssistanceRequestRecord) -> Liandong_V1_CreateRequest {
    var wire = Liandong_V1_CreateRequest()
    wire.requested = request.requested.rawValue
    wire.caseReference = request.caseReference
    wire.legalBasis = request.legalBasis
    wire.tasks = request.tasks.map(\.rawValue)
    wire.details = request.details
    wire.evidenceIds = request.evidenceIDs.map(\.bytes)
    wire.wantedBy = request.wantedBy?.description ?? ""
    return wire
  }

  static func decodeAct(_ wire: Liandong_V1_ActOnRequest) throws -> (RequestAct, OperationRef?) {
    let basis = wire.hasBasis ? try operationRef(wire.basis) : nil
    let act: RequestAct
    switch wire.act {
    case "acknowledge": act = .acknowledge
    case "accept": act = .accept
    case "extend":
      let deadline = wire.deadline.isEmpty ? nil : try CivilDate(wire.deadline)
      act = .extend(workingDays: Int(wire.workingDays), reason: wire.text, deadline: deadline)
    case "complete": act = .complete(findings: wire.text, evidenceIDs: try objectIDs(wire.evidenceIds))
    case "complete-partly":
      act = .completePartly(findings: wire.text, evidenceIDs: try objectIDs(wire.evidenceIds))
    case "decline": act = .decline(reason: wire.text)
    case "cancel": act = .cancel(reason: wire.text)
    case "close": act = .close
    case "resolve": act = .resolve(keep: try operationRef(wire.keep))
    default:
      throw CoreError.invalidValue(
        field: "request act", value: wire.act,
        allowed: [
          "acknowledge", "accept", "extend", "complete", "complete-partly", "decline", "cancel", "close",
          "resolve",
        ])
    }
    return (act, basis)
  }

  static func encodeAct(_ act: RequestAct, basis: OperationRef?) -> Liandong_V1_ActOnRequest {
    var wire = Liandong_V1_ActOnRequest()
    wire.act = act.name
    if let basis { wire.basis = encodeRef(basis) }
    switch act {
    case .acknowledge, .accept, .close: break
    case .extend(let days, let reason, let deadline):
      wire.workingDays = UInt32(clamping: days)
      wire.text = reason
      wire.deadline = deadline?.description ?? ""
    case .complete(let findings, let evidence), .completePartly(let findings, let evidence):
      wire.text = findings
      wire.evidenceIds = evidence.map(\.bytes)
    case .decline(let reason), .cancel(let reason): wire.text = reason
    case .resolve(let keep): wire.keep = encodeRef(keep)
    }
    return wire
  }

  static func operationRef(_ wire: Liandong_V1_OperationRef) throws -> OperationRef {
    guard let change = ChangeID(bytes: wire.changeID) else {
      throw CoreError.invalidValue(
        field: "operation reference", value: wire.changeID.hex, allowed: ["a 32-byte change ID"])
    }
    return OperationRef(change: change, index: Int(wire.index))
  }

  static func encodeRef(_ ref: OperationRef) -> Liandong_V1_OperationRef {
    var wire = Liandong_V1_OperationRef()
    wire.changeID = ref.change.bytes
    wire.index = UInt32(clamping: ref.index)
    return wire
  }

  static func objectIDs(_ list: [Data]) throws -> [ObjectID] {
    try list.map {
      guard let id = ObjectID(bytes: $0) else { throw CoreError.invalidObjectID($0.hex) }
      return id
    }
  }

  static func decodeHandOff(_ wire: Liandong_V1_HandOff) throws -> HandOffAct {
    switch wire.act {
    case "offer":
      return .offer(
        to: try NodeID(wire.to), letter: wire.letter, evidenceIDs: try objectIDs(wire.evidenceIds),
        origin: try NodeID(wire.origin), snapshot: try decodeLeadFields(wire.snapshot))
    case "accept": return .accept
    case "object":
      return .object(reason: wire.reason, snapshot: wire.hasSnapshot ? try decodeCaseSnapshot(wire) : nil)
    case "withdraw": return .withdraw(reason: wire.reason)
    case "claim": return .claim(reason: wire.reason, snapshot: try decodeCaseSnapshot(wire))
    case "designate":
      return .designate(
        to: try NodeID(wire.to), reason: wire.reason,
        manifest: SignedManifest(document: wire.manifestDocument, signature: wire.manifestSignature))
    case "share-history":
      return .shareHistory(
        wire.history.map {
          SharedHistoryEntry(
            time: $0.time, node: $0.node, officer: $0.officer, what: $0.what, operation: $0.operation)
        })
    case "resolve":
      guard wire.hasKeep else { throw CoreError.missingField("the act that stands (keep)") }
      return .resolve(keep: try operationRef(wire.keep))
    default:
      throw CoreError.invalidValue(
        field: "hand-off act", value: wire.act,
        allowed: ["offer", "accept", "object", "withdraw", "claim", "designate", "share-history", "resolve"])
    }
  }

  static func decodeCaseSnapshot(_ wire: Liandong_V1_HandOff) throws -> CaseSnapshot {
    CaseSnapshot(
      origin: try NodeID(wire.origin), owner: try NodeID(wire.owner),
      fields: try decodeLeadFields(wire.snapshot))
  }

  static func encodeHandOff(_ act: HandOffAct) -> Liandong_V1_HandOff {
    var wire = Liandong_V1_HandOff()
    wire.act = act.name
    switch act {
    case .offer(let to, let letter, let evidence, let origin, let snapshot):
      wire.to = to.rawValue
      wire.letter = letter
      wire.evidenceIds = evidence.map(\.bytes)
      wire.origin = origin.rawValue
      wire.snapshot = encodeLeadFields(snapshot)
    case .accept: break
    case .withdraw(let reason): wire.reason = reason
    case .object(let reason, let snapshot):
      wire.reason = reason
      if let snapshot { encodeCaseSnapshot(snapshot, into: &wire) }
    case .claim(let reason, let snapshot):
      wire.reason = reason
      encodeCaseSnapshot(snapshot, into: &wire)
    case .designate(let to, let reason, let manifest):
      wire.to = to.rawValue
      wire.reason = reason
      wire.manifestDocument = manifest.document
      wire.manifestSignature = manifest.signature
    case .shareHistory(let entries):
      wire.history = entries.map {
        var entry = Liandong_V1_HistoryEntry()
        entry.time = $0.time
        entry.node = $0.node
        entry.officer = $0.officer
        entry.what = $0.what
        entry.operation = $0.operation
        return entry
      }
    case .resolve(let keep):
      wire.keep = encodeRef(keep)
    }
    return wire
  }

  static func encodeCaseSnapshot(_ snapshot: CaseSnapshot, into wire: inout Liandong_V1_HandOff) {
    wire.origin = snapshot.origin.rawValue
    wire.owner = snapshot.owner.rawValue
    wire.snapshot = encodeLeadFields(snapshot.fields)
  }

  static func decodeLeadAct(_ wire: Liandong_V1_LeadAct) throws -> LeadAct {
    switch wire.act {
    case "acknowledge": return .acknowledge
    case "check": return .check
    case "decide":
      return .decide(
        outcome: try LeadOutcome(canonical: wire.outcome), caseReference: wire.caseReference, note: wire.note)
    case "extend": return .extend(reason: wire.note)
    case "close": return .close
    case "withdraw": return .withdraw(note: wire.note)
    case "merge":
      guard let into = ObjectID(bytes: wire.into) else { throw CoreError.invalidObjectID(wire.into.hex) }
      return .merge(into: into)
    default:
      throw CoreError.invalidValue(
        field: "lead act", value: wire.act,
        allowed: ["acknowledge", "check", "decide", "extend", "close", "withdraw", "merge"])
    }
  }

  static func encodeLeadAct(_ act: LeadAct) -> Liandong_V1_LeadAct {
    var wire = Liandong_V1_LeadAct()
    wire.act = act.name
    switch act {
    case .decide(let outcome, let caseReference, let note):
      wire.outcome = outcome.rawValue
      wire.caseReference = caseReference
      wire.note = note
    case .extend(let note), .withdraw(let note): wire.note = note
    case .merge(let into): wire.into = into.bytes
    case .acknowledge, .check, .close: break
    }
    return wire
  }

  static func decodePoliceAct(_ wire: Liandong_V1_PoliceTransfer) throws -> PoliceAct {
    func id(_ bytes: Data) throws -> ObjectID {
      guard let id = ObjectID(bytes: bytes) else { throw CoreError.invalidObjectID(bytes.hex) }
      return id
    }
    switch wire.act {
    case "create":
      return .create(
        caseID: try id(wire.caseID), police: wire.police, reportedOn: try CivilDate(wire.reportedOn),
        package: PolicePackage(
          letter: try id(wire.letter), investigationReport: try id(wire.investigationReport),
          itemsList: try id(wire.itemsList), testReports: try objectIDs(wire.testReports)))
    case "approve": return .approve
    case "refuse": return .refuse(reason: wire.note)
    case "transfer": return .transfer(receipt: wire.note)
    case "police-accepted": return .policeAccepted(note: wire.note)
    case "police-declined": return .policeDeclined(note: wire.note)
    case "reconsider": return .reconsider(note: wire.note)
    case "close": return .close
    default:
      throw CoreError.invalidValue(
        field: "police transfer act", value: wire.act,
        allowed: [
          "create", "approve", "refuse", "transfer", "police-accepted", "police-declined", "reconsider",
          "close",
        ])
    }
  }

  static func encodePoliceAct(_ act: PoliceAct) -> Liandong_V1_PoliceTransfer {
    var wire = Liandong_V1_PoliceTransfer()
    wire.act = act.name
    switch act {
    case .create(let caseID, let police, let reportedOn, let package):
      wire.caseID = caseID.bytes
      wire.police = police
      wire.reportedOn = reportedOn.description
      wire.letter = package.letter.bytes
      wire.investigationReport = package.investigationReport.bytes
      wire.itemsList = package.itemsList.bytes
      wire.testReports = package.testReports.map(\.bytes)
    case .refuse(let note), .transfer(let note), .policeAccepted(let note), .policeDeclined(let note),
      .reconsider(let note):
      wire.note = note
    case .approve, .close: break
    }
    return wire
  }
}
