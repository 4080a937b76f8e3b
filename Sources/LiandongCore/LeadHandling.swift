import Foundation

/// What a receiving bureau decided about a lead (Penalty Procedure Rules, Art. 18).
public enum LeadOutcome: String, CanonicalName {
  case caseOpened = "case-opened"
  case notOpened = "not-opened"
  case transferred
  public static let fieldName = "lead outcome"
}

/// An act on a lead after it was shared.
public enum LeadAct: Hashable, Sendable {
  // By a receiving bureau:
  case acknowledge
  case check
  case decide(outcome: LeadOutcome, caseReference: String, note: String)
  /// The 15 working days to decide, extended once by 15.
  case extend(reason: String)
  case close
  // By the owner:
  case withdraw(note: String)
  case merge(into: ObjectID)

  public var name: String {
    switch self {
    case .acknowledge: "acknowledge"
    case .check: "check"
    case .decide: "decide"
    case .extend: "extend"
    case .close: "close"
    case .withdraw: "withdraw"
    case .merge: "merge"
    }
  }
}

/// How one receiving bureau handles a lead: its own path through acknowledged -> checking ->
/// outcome -> closed, fed back to the origin.
public struct LeadHandling: Sendable, Equatable {
  public var bureau: NodeID
  public var state: LeadState
  public var acknowledged: HLCTimestamp?
  public var extended: String?
  public var outcome: LeadOutcome?
  public var caseReference: String
  public var note: String
  public var updated: HLCTimestamp
}

enum LeadActFold {
  typealias Refused = ObjectFold.Refused

  static func apply(_ act: LeadAct, _ record: OperationRecord, to lead: LeadProjection) -> Result<
    LeadProjection, Refused
  > {
    var lead = lead
    let id = lead.id
    let actor = record.origin
    switch act {
    case .withdraw, .merge:
      guard actor == lead.owner else {
        return .failure(
          Refused(code: "op.not-owner", reason: "only the owner \(lead.owner) may \(act.name) lead \(id)"))
      }
      guard [.published, .acknowledged, .checking].contains(lead.state) else {
        return .failure(
          Refused(code: "op.wrong-state", reason: "lead \(id) is already \(lead.state.rawValue)"))
      }
      if case .merge(let into) = act {
        guard into != id else {
          return .failure(Refused(code: "op.invalid", reason: "a lead cannot merge into itself"))
        }
        lead.state = .merged
        lead.mergedInto = into
      } else {
        lead.state = .withdrawn
      }
      if case .withdraw(let note) = act { lead.withdrawalNote = note }
    case .acknowledge, .check, .decide, .extend, .close:
      // Any bureau the lead reached, its new owner after a hand-off included, but not its origin.
      guard actor != lead.origin, lead.audience.includes(actor, origin: lead.origin) else {
        return .failure(
          Refused(
            code: "op.not-receiver", reason: "only a bureau that received lead \(id) may \(act.name) it"))
      }
      // A withdrawn or merged lead takes no new work, but a bureau's decision on a lead it was
      // already checking, and its closing, still stand: made perhaps before the withdrawal reached
      // it, they are its own acts on its own case, never silently lost.
      let finishing: Bool =
        switch act {
        case .decide, .close: true
        default: false
        }
      guard lead.state != .withdrawn && lead.state != .merged || finishing else {
        return .failure(
          Refused(code: "op.wrong-state", reason: "lead \(id) was \(lead.state.rawValue) by its owner"))
      }
      var handling =
        lead.handling[actor]
        ?? LeadHandling(
          bureau: actor, state: .published, acknowledged: nil, extended: nil, outcome: nil, caseReference: "",
          note: "",
          updated: record.order.time)
      let state = handling.state
      func refuse() -> Result<LeadProjection, Refused> {
        .failure(
          Refused(
            code: "op.wrong-state",
            reason: "\(actor) cannot \(act.name) lead \(id) while it is \(state.rawValue)"))
      }
      switch act {
      case .acknowledge:
        guard state == .published else { return refuse() }
        handling.state = .acknowledged
        handling.acknowledged = record.order.time
      case .check:
        guard state == .acknowledged else { return refuse() }
        handling.state = .checking
      case .decide(let outcome, let caseReference, let note):
        guard state == .acknowledged || state == .checking else { return refuse() }
        if outcome == .caseOpened && caseReference.isBlank {
          return .failure(Refused(code: "op.invalid", reason: "a case opened needs its case reference"))
        }
        handling.state =
          switch outcome {
          case .caseOpened: .caseOpened
          case .notOpened: .notOpened
          case .transferred: .transferred
          }
        handling.outcome = outcome
        handling.caseReference = caseReference
        handling.note = note
      case .extend(let reason):
        guard state == .acknowledged || state == .checking else { return refuse() }
        guard handling.extended == nil else {
          return .failure(
            Refused(code: "op.extended-already", reason: "the decision period may be extended only once"))
        }
        handling.extended = reason
      case .close:
        guard handling.outcome != nil, state != .closed else { return refuse() }
        handling.state = .closed
      default: break
      }
      handling.updated = record.order.time
      lead.handling[actor] = handling
    }
    lead.updated = record.order.time
    return .success(lead)
  }
}
