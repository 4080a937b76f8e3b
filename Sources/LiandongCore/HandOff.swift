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
  /// By the bureau that handed the case off, once the new owner holds it: the case's operations
  /// as that bureau holds them, which the new owner could not see (Art. 23 lets it use them).
  case shareHistory([SharedHistoryEntry])
  /// By a party to a hand-off conflict: the act that stands.
  case resolve(keep: OperationRef)

  public var name: String {
    switch self {
    case .offer: "offer"
    case .accept: "accept"
    case .object: "object"
    case .withdraw: "withdraw"
    case .claim: "claim"
    case .designate: "designate"
    case .shareHistory: "share-history"
    case .resolve: "resolve"
    }
  }

  /// Acts that answer the hand-off as it stood (`basis`), and so may cross another party's act.
  public var answersBasis: Bool {
    switch self {
    case .accept, .object, .withdraw, .designate: true
    case .offer, .claim, .shareHistory, .resolve: false
    }
  }

  /// Whether two acts made on the same basis by different bureaus cannot both stand.
  func crosses(_ other: HandOffAct) -> Bool {
    switch (self, other) {
    case (.accept, .withdraw), (.object, .withdraw), (.withdraw, .accept), (.withdraw, .object): true
    case (.designate(let a, _, _), .designate(let b, _, _)): a != b
    default: false
    }
  }
}

/// One operation on a case as the bureau that shared it described it.
public struct SharedHistoryEntry: Hashable, Sendable {
  public var time: String
  public var node: String
  public var officer: String
  public var what: String
  /// `<change ID hex>:<index>`.
  public var operation: String
  /// Set by the fold: the bureau whose signed act carried the entry.
  public var sharedBy: NodeID?

  public init(
    time: String, node: String, officer: String, what: String, operation: String, sharedBy: NodeID? = nil
  ) {
    self.time = time
    self.node = node
    self.officer = officer
    self.what = what
    self.operation = operation
    self.sharedBy = sharedBy
  }
}

/// Who holds the case and how its hand-off stands: what a conflict puts back.
public struct HandOffPosition: Sendable, Equatable {
  var owner: NodeID
  var handOff: HandOffStatus?
  var receivedByHandOff: Bool
  var dispute: JurisdictionDispute?
}

/// A hand-off act as it was applied, with the position before it.
public struct HandOffStep: Sendable, Equatable {
  public var ref: OperationRef
  public var basis: OperationRef?
  public var record: OperationRecord
  var before: HandOffPosition

  public var act: HandOffAct? {
    if case .handOff(let act, _) = record.operation.action { act } else { nil }
  }
}

/// Two bureaus answered the same hand-off at once in ways that cannot both stand (an acceptance
/// and a withdrawal; two designations). The case stays where it was until a party resolves it.
public struct HandOffConflict: Sendable, Equatable {
  public var acts: [HandOffStep]
  var before: HandOffPosition
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

public enum HandOffState: String, Codable, Sendable, CaseIterable {
  /// `contested`: acts made at once cannot both stand; a party resolves it.
  case offered, accepted, objected, withdrawn, designated, contested
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

  static func apply(
    _ act: HandOffAct, basis: OperationRef?, _ record: OperationRecord, to state: ObjectProjection?
  ) -> Result<ObjectProjection?, Refused> {
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
    switch act {
    case .shareHistory(let entries): return shareHistory(entries, record, on: lead).map { .lead($0) }
    case .resolve(let keep): return resolve(keep: keep, record, on: lead).map { .lead($0) }
    default: break
    }
    if let conflict = lead.handOffConflict {
      let parties = Set(conflict.acts.map(\.record.origin)).sorted().map(\.rawValue)
      return .failure(
        Refused(
          code: "op.in-conflict",
          reason:
            "case \(id) has hand-off acts made at once that cannot both stand; \(parties.joined(separator: " or ")) resolves it first"
        ))
    }
    let step = HandOffStep(
      ref: RequestFold.ref(record), basis: basis, record: record, before: HandOffPosition(lead))
    // An act made without knowledge of the last one, answering the same step, that cannot stand
    // beside it: neither wins silently.
    if act.answersBasis, let basis, let last = lead.lastHandOffStep, last.basis == basis,
      last.record.origin != record.origin, let lastAct = last.act, act.crosses(lastAct)
    {
      lead.restore(last.before)
      lead.handOff?.state = .contested
      lead.handOffConflict = HandOffConflict(acts: [last, step], before: last.before)
      lead.handOffHead = step.ref
      lead.lastHandOffStep = step
      lead.updated = record.order.time
      return .success(.lead(lead))
    }
    return self.step(act, record, on: lead).map { next in
      var next = next
      next.handOffHead = step.ref
      next.lastHandOffStep = step
      return .lead(next)
    }
  }

  /// The bureau that handed the case off passes its history to the new owner.
  static func shareHistory(
    _ entries: [SharedHistoryEntry], _ record: OperationRecord, on lead: LeadProjection
  )
    -> Result<LeadProjection, Refused>
  {
    guard let handOff = lead.handOff, [.accepted, .designated].contains(handOff.state),
      record.origin == handOff.from
    else {
      return .failure(
        Refused(
          code: "op.wrong-party",
          reason:
            "only the bureau that handed case \(lead.id) off shares its history, once the new owner holds it")
      )
    }
    guard record.audience.includes(lead.owner, origin: record.origin) else {
      return .failure(
        Refused(code: "op.invalid", reason: "the history must be shared with the new owner \(lead.owner)"))
    }
    var lead = lead
    let known = Set(lead.sharedHistory.map(\.operation))
    for entry in entries where !known.contains(entry.operation) {
      var shared = entry
      shared.sharedBy = record.origin
      lead.sharedHistory.append(shared)
    }
    lead.updated = record.order.time
    return .success(lead)
  }

  /// A party to the conflict says which act stands; it is applied to where the case stood.
  static func resolve(keep: OperationRef, _ record: OperationRecord, on lead: LeadProjection)
    -> Result<LeadProjection, Refused>
  {
    guard let conflict = lead.handOffConflict else {
      return .failure(Refused(code: "op.no-conflict", reason: "case \(lead.id) has no hand-off conflict"))
    }
    guard conflict.acts.contains(where: { $0.record.origin == record.origin }) else {
      return .failure(
        Refused(
          code: "op.not-party", reason: "only a bureau whose act is in the conflict may resolve it"))
    }
    guard let kept = conflict.acts.first(where: { $0.ref == keep }), let act = kept.act else {
      return .failure(
        Refused(code: "op.invalid", reason: "\(keep) is not one of the conflicting acts on case \(lead.id)"))
    }
    var lead = lead
    lead.restore(conflict.before)
    lead.handOffConflict = nil
    return step(act, kept.record, on: lead).map { next in
      var next = next
      next.handOffHead = RequestFold.ref(record)
      next.lastHandOffStep = nil
      next.updated = record.order.time
      return next
    }
  }

  /// The rules of one act, on a case with no conflict.
  static func step(_ act: HandOffAct, _ record: OperationRecord, on lead: LeadProjection)
    -> Result<LeadProjection, Refused>
  {
    var lead = lead
    let id = lead.id
    let offered = lead.handOff.flatMap { $0.state == .offered ? $0 : nil }
    switch act {
    case .shareHistory, .resolve:
      return .failure(Refused(code: "op.invalid", reason: "\(act.name) is not a step of the hand-off"))
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
      guard !reason.isBlank else {
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
    return .success(lead)
  }
}

extension HandOffPosition {
  init(_ lead: LeadProjection) {
    self.init(
      owner: lead.owner, handOff: lead.handOff, receivedByHandOff: lead.receivedByHandOff,
      dispute: lead.dispute)
  }
}

extension LeadProjection {
  mutating func restore(_ position: HandOffPosition) {
    owner = position.owner
    handOff = position.handOff
    receivedByHandOff = position.receivedByHandOff
    dispute = position.dispute
  }
}

extension HandOffState {
  /// A state as a projection stored it; anything else is a damaged row.
  public static func stored(_ text: String) throws -> HandOffState {
    guard let state = HandOffState(rawValue: text) else {
      throw CoreError.invalidValue(field: "hand-off state", value: text, allowed: allCases.map(\.rawValue))
    }
    return state
  }
}

extension HandOffState: CustomStringConvertible {
  public var description: String { rawValue }
}
