import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors

/// Acts on leads and requests, and the reads an officer's day starts with (what is due, the
/// requests): adapters over the same use cases as `liandong lead ...`, `request ...` and `due`.
extension NodeAPI {
  func actOnLead(_ input: Operations.ActOnLead.Input) async throws -> Operations.ActOnLead.Output {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    let lead = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.act(on: id, try Self.leadAct(body, app: app), by: caller.officer).view
    }
    return .ok(.init(body: .json(try Transcode.value(lead))))
  }

  func listRequests(_ input: Operations.ListRequests.Input) async throws -> Operations.ListRequests.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("q", input.query.q, 200)])
    var query = RequestQuery()
    query.state = try input.query.state.map { try RequestState(canonical: $0.rawValue) }
    query.direction = input.query.direction.map { $0 == .sent ? .sent : .received }
    query.peer = try input.query.peer.map { try NodeID($0).rawValue }
    query.text = input.query.q
    query.from = try input.query.from.map { try CivilDate($0) }
    query.to = try input.query.to.map { try CivilDate($0) }
    return .ok(.init(body: .json(try Transcode.value(try app.requests(query)))))
  }

  func sendRequest(_ input: Operations.SendRequest.Input) async throws -> Operations.SendRequest.Output {
    let caller = try CurrentCaller.required()
    try caller.require(.actOnCases)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check(
      [
        ("to", body.to, 64), ("caseReference", body.caseReference, 200),
        ("legalBasis", body.legalBasis, 1000),
        ("details", body.details, 4000),
      ] + (body.evidence ?? []).map { ("evidence", $0, 64) })
    let record = AssistanceRequestRecord(
      requested: try NodeID(body.to), caseReference: body.caseReference, legalBasis: body.legalBasis,
      tasks: try body.tasks.map { try AssistanceTask(canonical: $0.rawValue) }, details: body.details ?? "",
      evidenceIDs: try (body.evidence ?? []).map { try app.objectID($0) },
      wantedBy: try body.wantedBy.map { try CivilDate($0) })
    let request = try app.once(
      by: caller, key: input.headers.idempotencyKey, request: try Transcode.bytes(body)
    ) {
      try app.sendRequest(record, by: caller.officer).view
    }
    return .created(.init(body: .json(try Transcode.value(request))))
  }

  func getRequest(_ input: Operations.GetRequest.Input) async throws -> Operations.GetRequest.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    return .ok(.init(body: .json(try Transcode.value(try app.request(try app.objectID(input.path.id))))))
  }

  func actOnRequest(_ input: Operations.ActOnRequest.Input) async throws -> Operations.ActOnRequest.Output {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    let request = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.act(
        onRequest: id, try Self.requestAct(body, app: app), by: caller.officer,
        calendar: try app.calendar(file: nil)
      ).view
    }
    return .ok(.init(body: .json(try Transcode.value(request))))
  }

  func listDue(_ input: Operations.ListDue.Input) async throws -> Operations.ListDue.Output {
    try CurrentCaller.required().require(.readCases)
    return .ok(
      .init(body: .json(try Transcode.value(try app.dueItems(calendar: try app.calendar(file: nil))))))
  }

  func listPeers(_ input: Operations.ListPeers.Input) async throws -> Operations.ListPeers.Output {
    try CurrentCaller.required().require(.readNode)
    return .ok(.init(body: .json(try Transcode.value(try app.peers()))))
  }

  /// An act on one object by a caller who may act on cases, at most once per Idempotency-Key.
  /// The key covers the object and the body together: the same body on another object is another act.
  func signedAct<Result: Codable>(
    on rawID: String, _ body: some Encodable, key: String?, _ perform: (Caller, ObjectID) throws -> Result
  ) throws -> Result {
    let (caller, id) = try actor(on: rawID)
    return try once(by: caller, on: id, body, key: key) { try perform(caller, id) }
  }

  /// The caller, who must be allowed to act on cases, and the object the act names.
  func actor(on rawID: String) throws -> (Caller, ObjectID) {
    let caller = try CurrentCaller.required()
    try caller.require(.actOnCases)
    try SpecLength.check([("id", rawID, 64)])
    return (caller, try app.objectID(rawID))
  }

  func once<Result: Codable>(
    by caller: Caller, on id: ObjectID, _ body: some Encodable, key: String?, _ act: () throws -> Result
  ) throws -> Result {
    try app.once(by: caller, key: key, request: Data(id.description.utf8) + (try Transcode.bytes(body)), act)
  }

  /// The step a request body names, with what that step needs, or a message naming what is missing.
  static func leadAct(_ body: Components.Schemas.LeadStep, app: NodeApp) throws -> LeadAct {
    try SpecLength.check([
      ("caseReference", body.caseReference, 200), ("note", body.note, 4000), ("reason", body.reason, 4000),
      ("into", body.into, 64),
    ])
    func needed<T>(_ value: T?, _ field: String) throws -> T {
      try Self.needed(value, field, by: body.act.rawValue)
    }
    switch body.act {
    case .acknowledge: return .acknowledge
    case .check: return .check
    case .close: return .close
    case .decide:
      return .decide(
        outcome: try LeadOutcome(canonical: try needed(body.outcome?.rawValue, "outcome")),
        caseReference: body.caseReference ?? "", note: body.note ?? "")
    case .extend: return .extend(reason: try needed(body.reason, "reason"))
    case .withdraw: return .withdraw(note: body.note ?? "")
    case .merge: return .merge(into: try app.objectID(try needed(body.into, "into")))
    }
  }

  static func requestAct(_ body: Components.Schemas.RequestStep, app: NodeApp) throws -> RequestAct {
    try SpecLength.check(
      [("reason", body.reason, 4000), ("findings", body.findings, 4000), ("keep", body.keep, 200)]
        + (body.evidence ?? []).map { ("evidence", $0, 64) })
    func needed<T>(_ value: T?, _ field: String) throws -> T {
      try Self.needed(value, field, by: body.act.rawValue)
    }
    switch body.act {
    case .acknowledge: return .acknowledge
    case .accept: return .accept
    case .close: return .close
    case .extend:
      return .extend(
        workingDays: try needed(body.workingDays, "workingDays"), reason: try needed(body.reason, "reason"),
        deadline: nil)
    case .complete, .completePartly:
      let findings = try needed(body.findings, "findings")
      let evidence = try (body.evidence ?? []).map { try app.objectID($0) }
      return body.act == .complete
        ? .complete(findings: findings, evidenceIDs: evidence)
        : .completePartly(findings: findings, evidenceIDs: evidence)
    case .decline: return .decline(reason: try needed(body.reason, "reason"))
    case .cancel: return .cancel(reason: try needed(body.reason, "reason"))
    case .resolve: return .resolve(keep: try Self.operation(try needed(body.keep, "keep")))
    }
  }

  /// The operation a conflict's act names: `change:index`, or one act as `GET /v1/conflicts`
  /// lists it (`act@change:index by node`, `node act (change:index)`).
  static func operation(_ text: String) throws -> OperationRef {
    let named = text.split(separator: "@", maxSplits: 1).last.map(String.init) ?? text
    let words = named.split(whereSeparator: { " ()".contains($0) }).map(String.init)
    return try OperationRef(words.first { $0.contains(":") } ?? text)
  }

  /// A field the step needs, present and not empty.
  static func needed<T>(_ value: T?, _ field: String, by act: String) throws -> T {
    guard let value, (value as? String)?.isEmpty != true else {
      throw Failure(code: "api.bad-request", message: "\(act) needs \(field)")
    }
    return value
  }
}
