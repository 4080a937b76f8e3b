import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

/// A lead to record: its subject, what was found, and who may see it (nil: this node only, until
/// it is shared).
public struct NewLead: Sendable {
  public var subject: SubjectRecord
  /// The lead's fields; `subjectIDs` is filled in by `addLead`.
  public var fields: LeadFields
  public var audience: Audience?

  public init(subject: SubjectRecord, fields: LeadFields, audience: Audience?) {
    self.subject = subject
    self.fields = fields
    self.audience = audience
  }
}

extension NodeApp {
  /// Records a subject and a lead about it in one change. Everything is validated before anything
  /// is signed: the USCC's check character, the division codes, the grades.
  public func addLead(_ lead: NewLead, by officer: Officer, now: Date = Date()) throws -> ActResult<LeadView>
  {
    try lead.subject.validate()
    try divisionList().check(lead.subject)
    let subjectID = local.newObjectID()
    var fields = lead.fields
    fields.subjectIDs = [subjectID]
    try fields.validate()
    let leadID = local.newObjectID()
    return try act(
      "lead add",
      [
        DomainOperation(objectID: subjectID, action: .createSubject(lead.subject)),
        DomainOperation(objectID: leadID, action: .createLead(fields)),
      ], audience: lead.audience ?? .originOnly, by: officer, now: now
    ) { try self.lead(leadID) }
  }

  /// Changes a lead's fields. Only the owner node may; another node's edit is refused here with
  /// the reducer's own code, before anything is signed.
  public func editLead(_ id: ObjectID, _ patch: LeadPatch, by officer: Officer, now: Date = Date()) throws
    -> ActResult<LeadView>
  {
    guard !patch.isEmpty else {
      throw UsageError(
        code: "usage.nothing-to-change",
        message: "name at least one field to change, e.g. --summary or --risk")
    }
    let before = try lead(id)
    guard before.owner == node.rawValue else {
      throw UsageError(
        code: "op.not-owner",
        message: "lead \(before.id) is owned by \(before.owner); only its owner may edit it")
    }
    return try act(
      "edit", [DomainOperation(objectID: id, action: .updateLead(patch))],
      audience: try ActAudience.on(before, by: node), by: officer, now: now
    ) { try self.lead(id) }
  }

  /// A step in handling a lead (acknowledge, check, decide, extend, close, withdraw, merge).
  public func act(on id: ObjectID, _ step: LeadAct, by officer: Officer, now: Date = Date()) throws
    -> ActResult<LeadView>
  {
    let before = try lead(id)
    return try act(
      step.name, [DomainOperation(objectID: id, action: .leadAct(step))],
      audience: try ActAudience.on(before, by: node), by: officer, now: now
    ) { try self.lead(id) }
  }
}
