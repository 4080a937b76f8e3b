import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// The team's report that a case goes to the police (行刑衔接): every document of the package
  /// must be an evidence item this node holds, so it is hashed and exports as a bundle.
  public func reportToPolice(
    case caseID: ObjectID, police: String, package: PolicePackage, reportedOn: CivilDate?,
    by officer: Officer,
    now: Date = Date()
  ) throws -> ActResult<PoliceTransferView> {
    let lead = try lead(caseID, as: "case (lead)")
    guard !police.isBlankOrNewlines else {
      throw CoreError.missingField("the public security office it goes to (--police)")
    }
    for document in [package.letter, package.investigationReport, package.itemsList] + package.testReports {
      guard try store.evidence(id: document.description) != nil else {
        throw UsageError(
          code: "police.no-document",
          message:
            "\(document) is not an evidence item on this node; add the document with 'liandong evidence add' first"
        )
      }
    }
    let id = local.newObjectID()
    let step = PoliceAct.create(
      caseID: caseID, police: police, reportedOn: reportedOn ?? CivilDate(chinaDayOf: now.unixMillis),
      package: package)
    return try act(
      step.name, [DomainOperation(objectID: id, action: .policeTransfer(step))],
      audience: try ActAudience.on(lead, by: node), by: officer, now: now
    ) { try self.policeTransfer(id) }
  }

  /// A later step of a transfer to police, shared with whoever saw the transfer.
  public func act(onTransfer id: ObjectID, _ step: PoliceAct, by officer: Officer, now: Date = Date()) throws
    -> ActResult<PoliceTransferView>
  {
    let before = try policeTransfer(id)
    return try act(
      step.name, [DomainOperation(objectID: id, action: .policeTransfer(step))],
      audience: try Audience(parsing: before.audience), by: officer, now: now
    ) { try self.policeTransfer(id) }
  }

  /// The steps `caller` may take on `transfer` now: only the bureau that made it records them,
  /// in the order the rules allow, and approving or refusing is a supervisor's.
  public func policeStepsOpen(_ transfer: PoliceTransferView, to caller: Caller) -> [String] {
    guard transfer.bureau == node.rawValue, caller.may(.actOnCases) else { return [] }
    return PoliceAct.open(from: transfer.state).filter {
      !PoliceAct.isLeaders($0) || caller.may(.approveAsLeader)
    }
  }

  public func policeTransfer(_ id: ObjectID) throws -> PoliceTransferView {
    try existing("transfer to police", id, store.policeTransfer)
  }
}
