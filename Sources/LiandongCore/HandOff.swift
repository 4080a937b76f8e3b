import Foundation

/// Case hand-off (案件移送): one bureau offers a case (the lead that stands for it) to another,
/// which accepts it and becomes its owner, or objects, after which the common superior
/// designates jurisdiction (Art. 14, 16).
public enum HandOffAct: Hashable, Sendable {
  /// By the owner. `snapshot` and `origin` carry the case as it stands, so that a bureau outside
  /// the lead's audience can read what it is offered: sharing by an explicit signed act, never by
  /// widening the lead's old audience.
  case offer(to: NodeID, letter: String, evidenceIDs: [ObjectID], origin: NodeID, snapshot: LeadFields)
  case accept
  case object(reason: String)
  case withdraw(reason: String)

  public var name: String {
    switch self {
    case .offer: "offer"
    case .accept: "accept"
    case .object: "object"
    case .withdraw: "withdraw"
    }
  }
}

public enum HandOffState: String, Codable, Sendable {
  case offered, accepted, objected, withdrawn
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
      if case .object(let reason) = act {
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
    }
    lead.updated = record.order.time
    return .success(.lead(lead))
  }
}
