import Foundation

/// The reducers: an object's state is a pure function of the set of its operations. They are
/// replayed in `OrderKey` order; one that is not allowed is refused (kept in the log, no effect,
/// reported) and the fold goes on.
public enum ObjectFold {
  public struct Result: Sendable, Equatable {
    public var state: ObjectProjection?
    public var refusals: [OperationRefusal]
  }

  public static func fold(_ records: [OperationRecord]) -> Result {
    var state: ObjectProjection? = nil
    var refusals: [OperationRefusal] = []
    for record in records.sorted(by: { $0.order < $1.order }) {
      switch apply(record, to: state) {
      case .success(let next): state = next
      case .failure(let refusal):
        refusals.append(
          OperationRefusal(
            change: record.order.change.hex, index: record.order.index,
            objectID: record.operation.objectID.description, origin: record.origin.rawValue,
            code: refusal.code, reason: refusal.reason))
      }
    }
    return Result(state: state, refusals: refusals)
  }

  struct Refused: Error {
    var code: String
    var reason: String
  }

  static func apply(_ record: OperationRecord, to state: ObjectProjection?)
    -> Swift.Result<ObjectProjection?, Refused>
  {
    let id = record.operation.objectID
    switch record.operation.action {
    case .announceNode, .publishManifest, .publishRevocationLists, .correctClock:
      // Certificates, manifests and CRLs are the store's registries; a clock correction re-times
      // its chain (`ChainTime`). None is an object.
      return .success(state)
    case .unreadable(let reason):
      return .failure(Refused(code: "op.unreadable", reason: reason))
    case .createSubject(let subject):
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      do { try subject.validate() } catch {
        return .failure(Refused(code: "op.invalid", reason: "\(error)"))
      }
      return .success(
        .subject(
          SubjectProjection(
            id: id, origin: record.origin, record: subject, created: record.order.time,
            audience: record.audience)))
    case .createLead(let fields):
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      do { try fields.validate() } catch {
        return .failure(Refused(code: "op.invalid", reason: "\(error)"))
      }
      return .success(
        .lead(
          LeadProjection(
            id: id, origin: record.origin, owner: record.origin, state: .published, fields: fields,
            createdBy: record.officer, created: record.order.time, updated: record.order.time,
            audience: record.audience)))
    case .addEvidence(let evidence):
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      do { try evidence.validate() } catch {
        return .failure(Refused(code: "op.invalid", reason: "\(error)"))
      }
      return .success(
        .evidence(
          EvidenceProjection(
            id: id, origin: record.origin, record: evidence, addedBy: record.officer,
            added: record.order.time,
            audience: record.audience)))
    case .policeTransfer(let act):
      return PoliceFold.apply(act, record, to: state)
    case .leadAct(let act):
      guard case .lead(let lead) = state else {
        return .failure(Refused(code: "op.no-such-lead", reason: "no lead \(id) exists before this act"))
      }
      return LeadActFold.apply(act, record, to: lead).map { .lead($0) }
    case .handOff(let act, let basis):
      return HandOffFold.apply(act, basis: basis, record, to: state)
    case .shareEvidence(let share):
      return shareEvidence(share, record, to: state)
    case .warnOfSubject(let warning):
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      guard case .nodes(let nodes) = record.audience, !nodes.subtracting([record.origin]).isEmpty else {
        return .failure(Refused(code: "op.invalid", reason: "a warning goes to the regions it names"))
      }
      do { try warning.validate() } catch { return .failure(Refused(code: "op.invalid", reason: "\(error)")) }
      return .success(
        .warning(
          WarningProjection(
            id: id, from: record.origin, warning: warning, sent: record.order.time, audience: record.audience)
        ))
    case .recordCustody(let custody):
      guard case .evidence(var evidence) = state else {
        return .failure(
          Refused(
            code: "op.no-such-evidence", reason: "no evidence item \(id) exists before this custody event"))
      }
      guard evidence.isHeld(by: record.origin) else {
        return .failure(
          Refused(code: "op.not-party", reason: "\(record.origin) is not among those who hold evidence \(id)")
        )
      }
      if let last = evidence.custody.last(where: { $0.node == record.origin }),
        last.record.event == .destroyed
      {
        return .failure(
          Refused(
            code: "op.wrong-state", reason: "\(record.origin) already recorded evidence \(id) as destroyed"))
      }
      evidence.custody.append(
        CustodyEntry(
          ref: RequestFold.ref(record), node: record.origin, officer: record.officer, time: record.order.time,
          record: custody))
      return .success(.evidence(evidence))
    case .createRequest(let request):
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      return RequestFold.create(request, record).map { .request($0) }
    case .actOnRequest(let act, let basis):
      guard case .request(let request) = state else {
        return .failure(
          Refused(code: "op.no-such-request", reason: "no request \(id) exists before this act"))
      }
      return RequestFold.act(act, basis: basis, record, on: request).map { .request($0) }
    case .updateLead(let patch):
      guard case .lead(var lead) = state else {
        return .failure(Refused(code: "op.no-such-lead", reason: "no lead \(id) exists before this edit"))
      }
      guard record.origin == lead.owner else {
        return .failure(
          Refused(
            code: "op.not-owner",
            reason: "\(record.origin) edited lead \(id), but only its owner \(lead.owner) may"))
      }
      let fields = patch.applied(to: lead.fields)
      do { try fields.validate() } catch {
        return .failure(Refused(code: "op.invalid", reason: "\(error)"))
      }
      lead.fields = fields
      lead.updated = record.order.time
      return .success(.lead(lead))
    }
  }

  /// A holder shares an evidence item with the nodes its change names. A node that learns of the
  /// item only from the share builds it from the record the share carries.
  static func shareEvidence(_ share: EvidenceShare, _ record: OperationRecord, to state: ObjectProjection?)
    -> Swift.Result<ObjectProjection?, Refused>
  {
    let id = record.operation.objectID
    guard case .nodes(let nodes) = record.audience, !nodes.subtracting([record.origin]).isEmpty else {
      return .failure(
        Refused(
          code: "op.invalid", reason: "evidence is shared with named bureaus, not with all or with no one"))
    }
    do { try share.record.validate() } catch {
      return .failure(Refused(code: "op.invalid", reason: "\(error)"))
    }
    switch state {
    case nil:
      var evidence = EvidenceProjection(
        id: id, origin: share.origin, record: share.record, addedBy: share.addedBy, added: share.added,
        audience: .originOnly)
      evidence.sharedWith = nodes.union([record.origin]).subtracting([share.origin])
      return .success(.evidence(evidence))
    case .evidence(var evidence):
      guard evidence.isHeld(by: record.origin) else {
        return .failure(
          Refused(
            code: "op.not-party", reason: "\(record.origin) does not hold evidence \(id), so cannot share it")
        )
      }
      guard share.record.sha256 == evidence.record.sha256, share.origin == evidence.origin else {
        return .failure(
          Refused(code: "op.invalid", reason: "the shared record is not evidence \(id) as it was added"))
      }
      evidence.sharedWith.formUnion(nodes.subtracting([evidence.origin]))
      return .success(.evidence(evidence))
    default:
      return .failure(Refused(code: "op.invalid", reason: "object \(id) is not an evidence item"))
    }
  }
}
