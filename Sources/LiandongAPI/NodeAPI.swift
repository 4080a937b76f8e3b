import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// The operations of `Protocol/openapi.yaml`, each a thin adapter over one use case: check the
/// caller's role, translate the generated types, call `NodeApp`, translate back. Failures are
/// thrown and become problem details (`ProblemMiddleware`).
struct NodeAPI: APIProtocol {
  let app: NodeApp
  /// Whether the session cookie is marked Secure: it is whenever the API is served over HTTPS.
  let secureCookies: Bool
  let metrics: OperatorMetrics
  /// What only a running node can do for its operator (doctor, background verification and
  /// backups, a CRL put in force at once), shared with the console.
  let controls: NodeControls

  func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
    .ok(.init(body: .json(.init(status: .alive))))
  }

  func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
    try app.checkReady()
    return .ok(.init(body: .json(.init(status: .ready, node: app.node.rawValue))))
  }

  /// Open on a loopback listener (the middleware lets it through without a caller); otherwise
  /// the caller must be allowed to read metrics.
  func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
    try CurrentCaller.value?.require(.readMetrics)
    return .ok(.init(body: .plainText(.init(metrics.render(try app.operatorFigures())))))
  }

  func getWhoAmI(_ input: Operations.GetWhoAmI.Input) async throws -> Operations.GetWhoAmI.Output {
    let caller = try CurrentCaller.required()
    return .ok(
      .init(
        body: .json(
          .init(name: caller.account, role: .init(rawValue: caller.role.rawValue)!, node: app.node.rawValue)))
    )
  }

  func getStatus(_ input: Operations.GetStatus.Input) async throws -> Operations.GetStatus.Output {
    try CurrentCaller.required().require(.readNode)
    return .ok(.init(body: .json(try Transcode.value(try app.views.status()))))
  }

  func getFederation(_ input: Operations.GetFederation.Input) async throws -> Operations.GetFederation.Output
  {
    try CurrentCaller.required().require(.readNode)
    guard let current = try app.views.currentManifest()?.view else { return .ok(.init(body: .json(.init()))) }
    return .ok(.init(body: .json(try Transcode.value(current))))
  }

  func keepOwnFork(_ input: Operations.KeepOwnFork.Input) async throws -> Operations.KeepOwnFork.Output {
    try CurrentCaller.required().require(.operateNode)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("change", body.change, 64)])
    return .ok(.init(body: .json(try Transcode.value(try app.keepOwnFork(body.change)))))
  }

  func listLeads(_ input: Operations.ListLeads.Input) async throws -> Operations.ListLeads.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("q", input.query.q, 200), ("cursor", input.query.cursor, 200)])
    var query = LeadQuery(
      state: try input.query.state.map { try LeadState(canonical: $0.rawValue) },
      risk: try input.query.risk.map { try RiskLevel(canonical: $0.rawValue) }, text: input.query.q,
      limit: input.query.limit ?? 50, cursor: input.query.cursor)
    query.violation = try input.query.violation.map { try Violation(canonical: $0.rawValue) }
    query.origin = try input.query.origin.map { try NodeID($0).rawValue }
    query.owner = try input.query.owner.map { try NodeID($0).rawValue }
    query.from = try input.query.from.map { try CivilDate($0) }
    query.to = try input.query.to.map { try CivilDate($0) }
    query.order = input.query.sort == .oldest ? .oldest : .newest
    return .ok(.init(body: .json(try .init(try app.leads(query)))))
  }

  func createLead(_ input: Operations.CreateLead.Input) async throws -> Operations.CreateLead.Output {
    let caller = try CurrentCaller.required()
    try caller.require(.actOnCases)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    let lead = try app.once(by: caller, key: input.headers.idempotencyKey, request: try Transcode.bytes(body))
    {
      try app.addLead(try Self.newLead(body, app: app), by: caller.officer).view
    }
    return .created(.init(body: .json(try Transcode.value(lead))))
  }

  func getLead(_ input: Operations.GetLead.Input) async throws -> Operations.GetLead.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    return .ok(.init(body: .json(try .init(try app.lead(try app.objectID(input.path.id))))))
  }

  func getHistory(_ input: Operations.GetHistory.Input) async throws -> Operations.GetHistory.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    let id = try app.objectID(input.path.id)
    let entries = try app.views.history(of: id)
    guard !entries.isEmpty else { throw StoreError.notFound(kind: "object", id: id.description) }
    return .ok(.init(body: .json(try Transcode.value(entries))))
  }

  func getReach(_ input: Operations.GetReach.Input) async throws -> Operations.GetReach.Output {
    try CurrentCaller.required().require(.readCases)
    let nodes = input.query.at ?? []
    try SpecLength.check([("id", input.path.id, 64)] + nodes.map { ("at", $0, 64) })
    return .ok(
      .init(body: .json(try Transcode.value(try app.reach(of: try app.objectID(input.path.id), at: nodes)))))
  }

  /// The request's lead, with the command line's defaults for what it leaves out.
  static func newLead(_ body: Components.Schemas.NewLead, app: NodeApp) throws -> NewLead {
    try SpecLength.check([
      ("subject name", body.subject.name, 200), ("platform", body.subject.platform, 200),
      ("shop ID", body.subject.shopID, 200), ("URL", body.subject.url, 2000), ("summary", body.summary, 4000),
      ("product category", body.productCategory, 200), ("to", body.to, 2000),
    ])
    let subject = SubjectRecord(
      kind: try SubjectKind(canonical: body.subject.kind?.rawValue ?? SubjectKind.enterprise.rawValue),
      name: body.subject.name, uscc: body.subject.uscc, registeredDivision: body.subject.registeredDivision,
      businessDivision: body.subject.businessDivision, platform: body.subject.platform,
      shopID: body.subject.shopID, url: body.subject.url)
    let fields = LeadFields(
      source: try LeadSource(canonical: body.source?.rawValue ?? LeadSource.onlineMonitoring.rawValue),
      violations: try body.violations.map { try Violation(canonical: $0.rawValue) }, subjectIDs: [],
      productCategory: body.productCategory ?? "", summary: body.summary,
      risk: try RiskLevel(canonical: body.risk?.rawValue ?? RiskLevel.medium.rawValue),
      sourceReliability: try SourceReliability(canonical: body.sourceReliability?.rawValue ?? "X"),
      informationReliability: body.informationReliability ?? 4,
      reporterRealName: body.reporterRealName ?? false)
    return NewLead(
      subject: subject, fields: fields, audience: try body.to.map { try app.audience(parsing: $0) })
  }
}

/// The read models' JSON (the `--json` shapes) into the generated types and back: one shape,
/// checked against the spec each time a response is made.
enum Transcode {
  static func value<Target: Decodable>(_ source: some Encodable) throws -> Target {
    try JSONDecoder().decode(Target.self, from: try bytes(source))
  }

  static func bytes(_ source: some Encodable) throws -> Data { try JSONEncoder.sorted.encode(source) }
}
