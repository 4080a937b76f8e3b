import Foundation

/// Case hand-off (案件移送): one bureau offers a case (the lead that stands for it) to another,
/// which accepts it and becomes its owner, or objects, after which the common superior
/// designates jurisdiction (Art. 14, 16). A bureau that holds the case is its own may claim it;
/// the dispute stays visible until a superior designates (Art. 13).
public enum HandOffAct: Hashable, Sendable {
  /// By the owner. `snapshot` and `origin` carry the case as it stands, so that a bureau outside
  /// the lead's audience can read what it is offered: sharing by an explicit signed act, never by
  /// widening the lead's old audience.
  case offer(to: NodeID, letter: String, evidenceIDs: [ObjectID], origin: NodeID, snapshot: LeadFields)
  case accept
  /// By the bureau offered the case; `snapshot` carries it to the superiors who must designate.
  case object(reason: String, snapshot: CaseSnapshot?)
  case withdraw(reason: String)
  /// By a bureau that is not the owner and holds that the case is its own.
  case claim(reason: String, snapshot: CaseSnapshot)
  /// By a superior of both parties, after an objection or a claim, under the manifest it names.
  case designate(to: NodeID, reason: String, manifest: SignedManifest)

  public var name: String {
    switch self {
    case .offer: "offer"
    case .accept: "accept"
    case .object: "object"
    case .withdraw: "withdraw"
    case .claim: "claim"
    case .designate: "designate"
    }
  }
}

/// The case as the acting bureau sees it, for a superior outside the lead's audience.
public struct CaseSnapshot: Hashable, Sendable {
  public var origin: NodeID
  public var owner: NodeID
  public var fields: LeadFields

  public init(origin: NodeID, owner: NodeID, fields: LeadFields) {
    self.origin = origin
    self.owner = owner
    self.fields = fields
  }
}

public enum HandOffState: String, Codable, Sendable {
  case offered, accepted, objected, withdrawn, designated
}

/// The latest hand-off of a case.
public struct HandOffStatus: Sendable, Equatable {
  public var from: NodeID
  public var to: NodeID
  public var state: HandOffState
  public var letter: String
  public var evidenceIDs: [ObjectID]
  public var reason: String?
  public var offered: HLCTimestamp
  public var decided: HLCTimestamp?
  /// The superior that designated the bureau now holding the case.
  public var designatedBy: NodeID? = nil
}

/// Two bureaus claim the same case (Art. 13): they negotiate, and a superior designates.
public struct JurisdictionDispute: Sendable, Equatable {
  public var owner: NodeID
  public var claimant: NodeID
  public var reason: String
  public var since: HLCTimestamp
}

/// The reducer of hand-offs, on the lead's projection.
enum HandOffFold {
  typealias Refused = ObjectFold.Refused

  static func apply(_ act: HandOffAct, _ record: OperationRecord, to state: ObjectProjection?) -> Result<
    ObjectProjection?, Refused
  > {
    let id = record.operation.objectID
    var lead: LeadProjection
    switch (state, act) {
    case (.lead(let existing), _):
      lead = existing
    case (nil, .offer(_, _, _, let origin, let snapshot)):
      // A bureau outside the lead's audience learns of the case from the offer itself.
      lead = LeadProjection(
        id: id, origin: origin, owner: record.origin, state: .published, fields: snapshot,
        createdBy: record.officer, created: record.order.time, updated: record.order.time,
        audience: record.audience)
    case (nil, .object(_, .some(let snapshot))), (nil, .claim(_, let snapshot)):
      // A superior learns of the case from the act that asks it to designate.
      lead = LeadProjection(
        id: id, origin: snapshot.origin, owner: snapshot.owner, state: .published, fields: snapshot.fields,
        createdBy: record.officer, created: record.order.time, updated: record.order.time,
        audience: record.audience)
      if case .object = act {
        lead.handOff = HandOffStatus(
          from: snapshot.owner, to: record.origin, state: .offered, letter: "", evidenceIDs: [], reason: nil,
          offered: record.order.time, decided: nil)
      }
    default:
      return .failure(
        Refused(code: "op.no-such-lead", reason: "no case \(id) exists before this hand-off act"))
    }
    let offered = lead.handOff.flatMap { $0.state == .offered ? $0 : nil }
    switch act {
    case .offer(let to, let letter, let evidence, _, _):
      guard record.origin == lead.owner else {
        return .failure(
          Refused(code: "op.not-owner", reason: "only the case's owner \(lead.owner) may hand it off"))
      }
      guard !lead.receivedByHandOff else {
        return .failure(
          Refused(
            code: "op.no-second-handoff",
            reason:
              "\(lead.owner) received case \(id) by hand-off and may not pass it on; the superior designates")
        )
      }
      guard offered == nil else {
        return .failure(
          Refused(code: "op.wrong-state", reason: "case \(id) is already offered to \(offered!.to)"))
      }
      guard to != lead.owner, record.audience.includes(to, origin: record.origin) else {
        return .failure(
          Refused(
            code: "op.invalid", reason: "the offer must go to another bureau, which must be in its audience"))
      }
      lead.handOff = HandOffStatus(
        from: lead.owner, to: to, state: .offered, letter: letter, evidenceIDs: evidence, reason: nil,
        offered: record.order.time, decided: nil)
    case .accept, .object:
      guard let current = offered else {
        return .failure(Refused(code: "op.wrong-state", reason: "case \(id) is not on offer"))
      }
      guard record.origin == current.to else {
        return .failure(
          Refused(
            code: "op.wrong-party",
            reason: "only \(current.to), to whom case \(id) was offered, may \(act.name)"))
      }
      var decided = current
      decided.decided = record.order.time
      if case .object(let reason, _) = act {
        decided.state = .objected
        decided.reason = reason
      } else {
        decided.state = .accepted
        lead.owner = current.to
        lead.receivedByHandOff = true
      }
      lead.handOff = decided
    case .withdraw(let reason):
      guard var current = offered else {
        return .failure(Refused(code: "op.wrong-state", reason: "case \(id) is not on offer"))
      }
      guard record.origin == current.from else {
        return .failure(
          Refused(code: "op.wrong-party", reason: "only \(current.from), which offered it, may withdraw"))
      }
      current.state = .withdrawn
      current.reason = reason
      current.decided = record.order.time
      lead.handOff = current
    case .claim(let reason, _):
      guard record.origin != lead.owner else {
        return .failure(Refused(code: "op.invalid", reason: "\(lead.owner) owns case \(id) already"))
      }
      if let dispute = lead.dispute {
        return .failure(
          Refused(
            code: "op.wrong-state",
            reason: "case \(id) is already disputed between \(dispute.owner) and \(dispute.claimant)"))
      }
      guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
        return .failure(Refused(code: "op.invalid", reason: "a claim needs its grounds (--reason)"))
      }
      lead.dispute = JurisdictionDispute(
        owner: lead.owner, claimant: record.origin, reason: reason, since: record.order.time)
    case .designate(let to, let reason, let signed):
      let parties: [NodeID]
      if let dispute = lead.dispute {
        parties = [dispute.owner, dispute.claimant]
      } else if let objected = lead.handOff, objected.state == .objected {
        parties = [objected.from, objected.to]
      } else {
        return .failure(
          Refused(
            code: "op.wrong-state", reason: "case \(id) has no objection or claim for a superior to settle"))
      }
      guard let manifest = signed.manifest,
        parties.allSatisfy({ manifest.isSuperior(record.origin, over: $0) })
      else {
        return .failure(
          Refused(
            code: "op.not-superior",
            reason:
              "\(record.origin) is not a superior of \(parties.map(\.rawValue).joined(separator: " and ")) in the federation manifest it cites"
          ))
      }
      guard manifest.isSuperior(record.origin, over: to) else {
        return .failure(
          Refused(
            code: "op.invalid", reason: "\(record.origin) may designate only a bureau it is superior of"))
      }
      let previous = lead.handOff
      lead.handOff = HandOffStatus(
        from: lead.owner, to: to, state: .designated, letter: previous?.letter ?? "",
        evidenceIDs: previous?.evidenceIDs ?? [], reason: reason,
        offered: previous?.offered ?? record.order.time,
        decided: record.order.time, designatedBy: record.origin)
      lead.owner = to
      // Designated jurisdiction is final: the bureau may not pass the case on.
      lead.receivedByHandOff = true
      lead.dispute = nil
    }
    lead.updated = record.order.time
    return .success(.lead(lead))
  }
}
