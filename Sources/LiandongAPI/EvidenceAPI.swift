import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongStore
import OpenAPIRuntime

/// Evidence over HTTP: a file streamed in to disk and added as `liandong evidence add` adds
/// one; the record; the file streamed out from disk. Neither direction holds a file in memory.
extension NodeAPI {
  func addEvidence(_ input: Operations.AddEvidence.Input) async throws -> Operations.AddEvidence.Output {
    // Who acts, and on what, is settled before the file streams in.
    let (caller, item) = try actor(on: input.path.id)
    let query = input.query
    try SpecLength.check([
      ("fileName", query.fileName, 255), ("mediaType", query.mediaType, 200),
      ("fixedBy", query.fixedBy, 200), ("tool", query.tool, 200), ("sourceURL", query.sourceURL, 2000),
      ("capturedAt", query.capturedAt, 40), ("description", query.description, 4000), ("to", query.to, 2000),
    ])
    let record = EvidenceRecord(
      itemID: item, category: try EvidenceCategory(canonical: query.category.rawValue),
      original: query.original ?? false,
      howFixed: try query.howFixed.map { try FixingMethod(canonical: $0.rawValue) },
      fixedBy: query.fixedBy ?? caller.account, tool: query.tool ?? "", sourceURL: query.sourceURL ?? "",
      capturedAt: query.capturedAt ?? "", fileName: query.fileName,
      mediaType: query.mediaType ?? "application/octet-stream", size: 0, sha256: Data(count: 32),
      description: query.description ?? "")
    // Checked before the file streams in, so a mistake costs nothing (the hash and size come after).
    try record.validate()
    let audience = try query.to.map { try app.audience(parsing: $0) }
    guard case .binary(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send the file as application/octet-stream")
    }
    let upload = try app.startUpload()
    for try await piece in body { try upload.append(piece) }
    // A retry with the same Idempotency-Key is the same request if it names the same record and
    // sends the same bytes: then the first evidence is returned and nothing is added again.
    let request = UploadFingerprint(record: record, to: query.to, sha256: upload.finish().hex)
    let evidence = try once(by: caller, on: item, request, key: input.headers.idempotencyKey) {
      try app.addEvidence(to: item, upload: upload, record: record, audience: audience, by: caller.officer)
        .view
    }
    return .created(.init(body: .json(try Transcode.value(evidence))))
  }

  func getEvidence(_ input: Operations.GetEvidence.Input) async throws -> Operations.GetEvidence.Output {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    return .ok(.init(body: .json(try Transcode.value(try app.evidence(try app.objectID(input.path.id))))))
  }

  func downloadEvidence(_ input: Operations.DownloadEvidence.Input) async throws
    -> Operations.DownloadEvidence.Output
  {
    try CurrentCaller.required().require(.readCases)
    try SpecLength.check([("id", input.path.id, 64)])
    let evidence = try app.evidence(try app.objectID(input.path.id))
    guard let reader = try app.heldFileReader(of: evidence) else {
      throw Failure(
        code: "evidence.file-not-held",
        message:
          "this node does not hold the file of \(evidence.id) yet (\(evidence.file)); it arrives with sync")
    }
    return .ok(.init(body: .binary(Self.stream(reader, size: evidence.size))))
  }

  /// The file in pieces of a megabyte, read as the client takes them and checked against its
  /// hash on the way: a file found damaged ends the download with an error, not a quiet copy.
  static func stream(_ reader: BlobReader, size: UInt64) -> HTTPBody {
    let pieces = AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
      try await reader.nextCheckedInBackground().map { ArraySlice($0) }
    }
    return HTTPBody(pieces, length: .known(Int64(size)), iterationBehavior: .single)
  }

  /// A file written for this download (a bundle's archive), in pieces of 256 KiB.
  static func stream(_ handle: FileHandle, size: UInt64) -> HTTPBody {
    let pieces = AsyncThrowingStream<ArraySlice<UInt8>, any Error> {
      let piece = try handle.read(upToCount: 256 * 1024) ?? Data()
      if piece.isEmpty {
        try? handle.close()
        return nil
      }
      return ArraySlice(piece)
    }
    return HTTPBody(pieces, length: .known(Int64(size)), iterationBehavior: .single)
  }
}

/// What makes two uploads the same request: the record as asked for, and the file's bytes.
struct UploadFingerprint: Encodable {
  var category: String
  var original: Bool
  var howFixed: String?
  var fixedBy, tool, sourceURL, capturedAt, fileName, mediaType, description: String
  var to: String?
  var sha256: String

  init(record: EvidenceRecord, to: String?, sha256: String) {
    category = record.category.rawValue
    original = record.original
    howFixed = record.howFixed?.rawValue
    (fixedBy, tool, sourceURL, capturedAt) = (
      record.fixedBy, record.tool, record.sourceURL, record.capturedAt
    )
    (fileName, mediaType, description) = (record.fileName, record.mediaType, record.description)
    self.to = to
    self.sha256 = sha256
  }
}
