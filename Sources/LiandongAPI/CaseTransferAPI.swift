import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors

/// A case leaving the bureau: its hand-off to another bureau (案件移送) and its transfer to the
/// police (行刑衔接). Adapters over the use cases of `liandong handoff ...` and `police ...`;
/// what the rules reserve to a bureau's leader needs a supervisor's account here as in the console.
extension NodeAPI {
  func listHandOffs(_ input: Operations.ListHandOffs.Input) async throws -> Operations.ListHandOffs.Output {
    try CurrentCaller.required().require(.readCases)
    return .ok(.init(body: .json(try Transcode.value(try app.handOffs()))))
  }

  func actOnHandOff(_ input: Operations.ActOnHandOff.Input) async throws -> Operations.ActOnHandOff.Output {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    let step = try Self.handOffRequest(body, app: app)
    try CurrentCaller.required().require(step.permission)
    let lead = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.handOff(id, step, by: caller.officer).view
    }
    return .ok(.init(body: .json(try Transcode.value(lead))))
  }

  func shareHandedOffCase(_ input: Operations.ShareHandedOffCase.Input) async throws
    -> Operations.ShareHandedOffCase.Output
  {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check((body.evidence ?? []).map { ("evidence", $0, 64) })
    let shared = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.shareHandedOffCase(
        id, evidence: try (body.evidence ?? []).map { try app.objectID($0) }, by: caller.officer
      ).view
    }
    return .ok(.init(body: .json(try Transcode.value(shared))))
  }

  func listPoliceTransfers(_ input: Operations.ListPoliceTransfers.Input) async throws
    -> Operations.ListPoliceTransfers.Output
  {
    try CurrentCaller.required().require(.readCases)
    return .ok(.init(body: .json(try Transcode.value(try app.views.policeTransfers()))))
  }

  func getPoliceTransfer(_ input: Operations.GetPoliceTransfer.Input) async throws
    -> Operations.GetPoliceTransfer.Output
  {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    let transfer = try app.policeTransfer(try app.objectID(input.path.id))
    return .ok(.init(body: .json(try Transcode.value(transfer))))
  }

  func createPoliceTransfer(_ input: Operations.CreatePoliceTransfer.Input) async throws
    -> Operations.CreatePoliceTransfer.Output
  {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check(
      [
        ("police", body.police, 200), ("letter", body.letter, 64),
        ("investigationReport", body.investigationReport, 64), ("itemsList", body.itemsList, 64),
      ] + (body.testReports ?? []).map { ("testReports", $0, 64) })
    let package = PolicePackage(
      letter: try app.objectID(body.letter), investigationReport: try app.objectID(body.investigationReport),
      itemsList: try app.objectID(body.itemsList),
      testReports: try (body.testReports ?? []).map { try app.objectID($0) })
    let reportedOn = try body.reportedOn.map { try CivilDate($0) }
    let transfer = try signedAct(on: body.caseID, body, key: input.headers.idempotencyKey) { caller, id in
      try app.reportToPolice(
        case: id, police: body.police, package: package, reportedOn: reportedOn, by: caller.officer
      ).view
    }
    return .created(.init(body: .json(try Transcode.value(transfer))))
  }

  func actOnPoliceTransfer(_ input: Operations.ActOnPoliceTransfer.Input) async throws
    -> Operations.ActOnPoliceTransfer.Output
  {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("note", body.note, 4000)])
    let name = body.step.rawValue
    let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    if PoliceAct.steps.first(where: { $0.name == name })?.needsNote == true, note.isEmpty {
      throw Failure(code: "api.bad-request", message: "\(name) needs note (the reason, receipt or decision)")
    }
    guard let step = PoliceAct(step: name, note: note) else {
      throw Failure(code: "api.bad-request", message: "a transfer to police has no step \"\(name)\"")
    }
    if PoliceAct.isLeaders(name) { try CurrentCaller.required().require(.approveAsLeader) }
    let transfer = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.act(onTransfer: id, step, by: caller.officer).view
    }
    return .ok(.init(body: .json(try Transcode.value(transfer))))
  }

  /// The step a request body names, with what that step needs, or a message naming what is missing.
  static func handOffRequest(_ body: Components.Schemas.HandOffStep, app: NodeApp) throws -> HandOffRequest {
    try SpecLength.check(
      [
        ("to", body.to, 64), ("letter", body.letter, 4000), ("reason", body.reason, 4000),
        ("keep", body.keep, 200),
      ]
        + (body.evidence ?? []).map { ("evidence", $0, 64) })
    func needed(_ value: String?, _ field: String) throws -> String {
      let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines)
      return try Self.needed(trimmed, field, by: body.act.rawValue)
    }
    switch body.act {
    case .offer:
      return .offer(
        to: try NodeID(try needed(body.to, "to")), letter: try needed(body.letter, "letter"),
        evidence: try (body.evidence ?? []).map { try app.objectID($0) })
    case .accept: return .accept
    case .object: return .object(reason: try needed(body.reason, "reason"))
    case .withdraw: return .withdraw(reason: try needed(body.reason, "reason"))
    case .claim: return .claim(reason: try needed(body.reason, "reason"))
    case .designate:
      return .designate(to: try NodeID(try needed(body.to, "to")), reason: try needed(body.reason, "reason"))
    case .resolve: return .resolve(keep: try Self.operation(try needed(body.keep, "keep")))
    }
  }
}
