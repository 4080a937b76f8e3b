import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore
import OpenAPIRuntime

/// What happens to evidence after it is added: its chain of custody, sharing it with more
/// bureaus, and the bundle a court or police office verifies with openssl alone. Adapters over
/// the use cases of `liandong evidence custody`, `share` and `export`.
extension NodeAPI {
  func recordCustody(_ input: Operations.RecordCustody.Input) async throws -> Operations.RecordCustody.Output
  {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("note", body.note, 4000), ("holder", body.holder, 200)])
    let event = CustodyRecord(
      event: try CustodyEventKind(canonical: body.event.rawValue), note: body.note ?? "",
      holder: body.holder?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    let evidence = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      try app.recordCustody(of: id, event, by: caller.officer).view
    }
    return .ok(.init(body: .json(try Transcode.value(evidence))))
  }

  func shareEvidence(_ input: Operations.ShareEvidence.Input) async throws -> Operations.ShareEvidence.Output
  {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("to", body.to, 2000), ("note", body.note, 4000)])
    let evidence = try signedAct(on: input.path.id, body, key: input.headers.idempotencyKey) { caller, id in
      guard
        let shared = try app.shareEvidence([id], with: body.to, note: body.note ?? "", by: caller.officer)
          .view.first
      else { throw StoreError.notFound(kind: "evidence", id: id.description) }
      return shared
    }
    return .ok(.init(body: .json(try Transcode.value(evidence))))
  }

  func downloadBundle(_ input: Operations.DownloadBundle.Input) async throws
    -> Operations.DownloadBundle.Output
  {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    let archive = try app.openEvidenceArchive(of: try app.objectID(input.path.id))
    return .ok(.init(body: .applicationXTar(Self.stream(archive.handle, size: archive.size))))
  }
}
