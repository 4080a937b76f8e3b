import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import OpenAPIRuntime

/// The operator's operations: the node's health, verification and backups in the background,
/// its peers and the CA's revocation list. None of them reads a case's content.
extension NodeAPI {
  func getDoctor(_ input: Operations.GetDoctor.Input) async throws -> Operations.GetDoctor.Output {
    try CurrentCaller.required().require(.readNode)
    return .ok(.init(body: .json(try Transcode.value(try await controls.doctor()))))
  }

  func getVerification(_ input: Operations.GetVerification.Input) async throws
    -> Operations.GetVerification.Output
  {
    try CurrentCaller.required().require(.readNode)
    return .ok(.init(body: .json(try Transcode.value(RunShown(controls.verifications.status, ok: \.ok)))))
  }

  func startVerification(_ input: Operations.StartVerification.Input) async throws
    -> Operations.StartVerification.Output
  {
    let caller = try CurrentCaller.required()
    try caller.require(.operateNode)
    let started = try controls.startVerification(
      of: app, files: input.query.files ?? true, by: caller.account)
    return .accepted(.init(body: .json(try Transcode.value(RunShown(started, ok: \.ok)))))
  }

  func getBackup(_ input: Operations.GetBackup.Input) async throws -> Operations.GetBackup.Output {
    try CurrentCaller.required().require(.readNode)
    return .ok(
      .init(body: .json(try Transcode.value(RunShown(controls.backups.status, ok: \.ok)))))
  }

  func startBackup(_ input: Operations.StartBackup.Input) async throws -> Operations.StartBackup.Output {
    let caller = try CurrentCaller.required()
    try caller.require(.operateNode)
    let started = try controls.startBackup(of: app, by: caller.account)
    return .accepted(.init(body: .json(try Transcode.value(RunShown(started, ok: \.ok)))))
  }

  func putPeer(_ input: Operations.PutPeer.Input) async throws -> Operations.PutPeer.Output {
    try CurrentCaller.required().require(.operateNode)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    let node = try NodeID(input.path.node)
    try app.addPeer(node, address: body.address)
    guard let peer = try app.peers().first(where: { $0.node == node.rawValue }) else {
      throw StoreError.notFound(kind: "peer", id: node.rawValue)
    }
    return .ok(.init(body: .json(try Transcode.value(peer))))
  }

  func removePeer(_ input: Operations.RemovePeer.Input) async throws -> Operations.RemovePeer.Output {
    try CurrentCaller.required().require(.operateNode)
    try app.removePeer(try NodeID(input.path.node))
    return .noContent(.init())
  }

  /// Installs the CRL and puts it in force in the sync listener at once, as SIGHUP would.
  func installRevocationList(_ input: Operations.InstallRevocationList.Input) async throws
    -> Operations.InstallRevocationList.Output
  {
    let caller = try CurrentCaller.required()
    try caller.require(.operateNode)
    guard case .plainText(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send the CRL's PEM text as text/plain")
    }
    let pem = try await Data(collecting: body, upTo: APIServer.maximumRequestBytes)
    let dryRun = input.query.dryRun ?? false
    let installed = try app.installRevocationList(
      pem, fileName: "the CRL sent", dryRun: dryRun, by: caller.officer)
    if !dryRun { controls.trustChanged() }
    return .ok(.init(body: .json(try Transcode.value(installed.shown))))
  }
}

/// A background run as `GET /v1/verify` and `GET /v1/backup` show it: its state, and once it
/// ended its report (`ok` when it found nothing wrong) or the problem that stopped it.
struct RunShown<Report: Encodable & Sendable>: Encodable {
  var state: BackgroundRun<Report>.Status.State
  var files: Bool?
  var startedBy: String?
  var started: String?
  var finished: String?
  var bytesRead: UInt64?
  var bytesTotal: UInt64?
  var ok: Bool?
  var report: Report?
  var problem: ProblemDetails?

  init(_ status: BackgroundRun<Report>.Status, ok: (Report) -> Bool) {
    state = status.state
    files = status.files
    startedBy = status.startedBy
    started = status.started
    finished = status.finished
    bytesRead = status.bytesRead
    bytesTotal = status.bytesTotal
    report = status.report
    self.ok = status.report.map(ok) ?? (status.failure != nil ? false : nil)
    problem = status.failure.map(ProblemDetails.init)
  }
}
