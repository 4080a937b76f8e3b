import Foundation

/// Where an assistance request stands: what the acts so far have made of it.
public struct RequestStatus: Sendable, Equatable {
  public var state = RequestState.sent
  public var acknowledged: HLCTimestamp? = nil
  public var extensionWorkingDays: Int? = nil
  public var extensionReason: String? = nil
  public var findings: String? = nil
  public var outcomeEvidence: [ObjectID] = []
  /// Why it was declined or cancelled.
  public var reason: String? = nil
}

/// An act as the fold applied it.
public struct AppliedAct: Sendable, Equatable {
  public var ref: OperationRef
  public var act: RequestAct
  public var side: RequestSide
  public var origin: NodeID
  public var time: HLCTimestamp
  /// The status right after it: what a later concurrent act is compared against.
  var statusAfter: RequestStatus
}

/// Two bureaus acted at once in ways that cannot both stand (a request cancelled while it was
/// being completed). Neither wins until one of them resolves it by a signed act.
public struct RequestConflict: Sendable, Equatable {
  public var acts: [AppliedAct]
  /// The status before the conflicting acts: a resolution applies the act that stands to it.
  var before: RequestStatus
}

/// An assistance request as every node holding the same operations sees it.
public struct RequestProjection: Sendable, Equatable {
  public var id: ObjectID
  public var requester: NodeID
  public var record: AssistanceRequestRecord
  public var createdBy: String
  public var created: HLCTimestamp
  public var audience: Audience
  public var status = RequestStatus()
  public var conflict: RequestConflict? = nil
  /// The last operation applied: the basis the next act should name.
  public var head: OperationRef
  public var updated: HLCTimestamp
  public var acts: [AppliedAct] = []

  public func side(of node: NodeID) -> RequestSide? {
    node == requester ? .requester : node == record.requested ? .requested : nil
  }
}

/// The reducer of assistance requests: who may do what, in which state, and what happens when
/// the two bureaus act at once.
enum RequestFold {
  typealias Refused = ObjectFold.Refused

  static func create(_ request: AssistanceRequestRecord, _ record: OperationRecord) -> Result<
    RequestProjection, Refused
  > {
    do { try request.validate() } catch { return .failure(Refused(code: "op.invalid", reason: "\(error)")) }
    guard request.requested != record.origin else {
      return .failure(
        Refused(code: "op.invalid", reason: "\(record.origin) cannot ask itself for assistance"))
    }
    guard record.audience.includes(request.requested, origin: record.origin) else {
      return .failure(
        Refused(
          code: "op.invalid",
          reason: "the request is not shared with the requested bureau \(request.requested)"))
    }
    return .success(
      RequestProjection(
        id: record.operation.objectID, requester: record.origin, record: request, createdBy: record.officer,
        created: record.order.time, audience: record.audience, head: ref(record), updated: record.order.time))
  }

  static func act(
    _ act: RequestAct, basis: OperationRef?, _ record: OperationRecord, on request: RequestProjection
  ) -> Result<RequestProjection, Refused> {
    var request = request
    guard let side = request.side(of: record.origin) else {
      return .failure(
        Refused(
          code: "op.not-party",
          reason:
            "\(record.origin) is neither the requester \(request.requester) nor the requested bureau \(request.record.requested)"
        ))
    }
    let applied = { (status: RequestStatus) -> AppliedAct in
      AppliedAct(
        ref: ref(record), act: act, side: side, origin: record.origin, time: record.order.time,
        statusAfter: status)
    }

    if case .resolve(let keep) = act {
      guard let conflict = request.conflict else {
        return .failure(
          Refused(code: "op.no-conflict", reason: "request \(request.id) has no conflict to resolve"))
      }
      guard let kept = conflict.acts.first(where: { $0.ref == keep }) else {
        return .failure(
          Refused(
            code: "op.invalid", reason: "\(keep) is not one of the conflicting acts of request \(request.id)")
        )
      }
      switch transition(conflict.before, kept.act, kept.side, time: kept.time) {
      case .failure(let refused): return .failure(refused)
      case .success(let status):
        request.status = status
        request.conflict = nil
      }
    } else {
      guard request.conflict == nil else {
        return .failure(
          Refused(
            code: "op.in-conflict",
            reason: "request \(request.id) has a conflict between acts made at once; resolve it first"))
      }
      guard act.side == side else {
        let who =
          act.side == .requested
          ? "requested bureau \(request.record.requested)" : "requester \(request.requester)"
        return .failure(
          Refused(code: "op.wrong-party", reason: "only the \(who) may \(act.name) request \(request.id)"))
      }
      // Acts after the basis were made without knowledge of this one.
      let unseen: ArraySlice<AppliedAct>
      if basis == request.head {
        unseen = []
      } else if let index = request.acts.firstIndex(where: { $0.ref == basis }) {
        unseen = request.acts[(index + 1)...]
      } else {
        unseen = request.acts[...]
      }
      if act.isFinal, let rival = unseen.first(where: { $0.act.isFinal && $0.side != side }) {
        let before =
          request.acts.firstIndex(of: rival).flatMap { $0 > 0 ? request.acts[$0 - 1].statusAfter : nil }
          ?? RequestStatus()
        request.conflict = RequestConflict(acts: [rival, applied(request.status)], before: before)
        request.status.state = .conflict
      } else {
        switch transition(request.status, act, side, time: record.order.time) {
        case .failure(let refused): return .failure(refused)
        case .success(let status): request.status = status
        }
      }
    }
    request.head = ref(record)
    request.updated = record.order.time
    request.acts.append(applied(request.status))
    return .success(request)
  }

  /// The allowed moves of DOMAIN.md, for one act on one status.
  static func transition(_ status: RequestStatus, _ act: RequestAct, _ side: RequestSide, time: HLCTimestamp)
    -> Result<RequestStatus, Refused>
  {
    var next = status
    let state = status.state
    func refuse() -> Result<RequestStatus, Refused> {
      .failure(
        Refused(code: "op.wrong-state", reason: "cannot \(act.name) a request that is \(state.rawValue)"))
    }
    switch act {
    case .acknowledge:
      guard state == .sent else { return refuse() }
      next.state = .acknowledged
      next.acknowledged = time
    case .accept:
      guard state == .sent || state == .acknowledged else { return refuse() }
      next.state = .inProgress
      next.acknowledged = status.acknowledged ?? time
    case .extend(let days, let reason, let deadline):
      guard state == .acknowledged || state == .inProgress else { return refuse() }
      // The day is the signer's clock; a later wave bounds it by witnesses (DESIGN.md, Time).
      let signed = CivilDate(chinaDayOf: time.wallMillis)
      if let deadline, signed > deadline {
        return .failure(
          Refused(
            code: "op.deadline-passed",
            reason:
              "the extension was notified on \(signed), after the deadline \(deadline); it must precede it"))
      }
      guard status.extensionWorkingDays == nil else {
        return .failure(
          Refused(code: "op.extended-already", reason: "an extension may be notified only once"))
      }
      guard (1...30).contains(days) else {
        return .failure(
          Refused(code: "op.invalid", reason: "an extension of \(days) working days; allowed 1-30"))
      }
      next.extensionWorkingDays = days
      next.extensionReason = reason
    case .complete(let findings, let evidence), .completePartly(let findings, let evidence):
      guard state == .acknowledged || state == .inProgress else { return refuse() }
      guard !findings.isBlank else {
        return .failure(Refused(code: "op.invalid", reason: "findings are required"))
      }
      if case .complete = act { next.state = .completed } else { next.state = .partlyCompleted }
      next.findings = findings
      next.outcomeEvidence = evidence
    case .decline(let reason), .cancel(let reason):
      guard [.sent, .acknowledged, .inProgress].contains(state) else { return refuse() }
      guard !reason.isBlank else {
        return .failure(Refused(code: "op.invalid", reason: "a reason is required"))
      }
      if case .decline = act { next.state = .declined } else { next.state = .cancelled }
      next.reason = reason
    case .close:
      guard [.completed, .partlyCompleted, .declined].contains(state) else { return refuse() }
      next.state = .closed
    case .resolve:
      return refuse()
    }
    return .success(next)
  }

  static func ref(_ record: OperationRecord) -> OperationRef {
    OperationRef(change: record.order.change, index: record.order.index)
  }
}
