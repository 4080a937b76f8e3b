import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore
import NIOCore

/// Evidence on a case's page: adding a file to the lead, sharing an item with more bureaus by a
/// signed act, and the lead's evidence bundle as one download, for a court or police office to
/// verify with openssl alone.
extension ConsolePages {
  /// Adds the chosen file to the lead as an evidence item, fixed by this officer, with the lead's
  /// audience.
  func addEvidence(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      _ = try app.lead(id)
      guard let file = form.file else {
        throw Failure(code: "evidence.empty", message: "no file was chosen: choose the file to add")
      }
      let record = try Self.evidenceRecord(
        for: file, item: id, category: try EvidenceCategory(canonical: form["category"] ?? "electronic-data"),
        howFixed: try FixingMethod(canonical: form["howFixed"] ?? "screenshot"),
        description: form.text("description") ?? "", by: visit)
      _ = try app.addEvidence(
        to: id, upload: file.upload, record: record, audience: nil, by: visit.caller.officer)
      return "\(Console.root)/leads/\(id)?done=evidence"
    } onRefusal: { visit, _, error in
      refused(try lead(visit, id: rawID), error)
    }
  }

  /// The record of a file chosen in a form, fixed by this person, checked before anything is
  /// signed: an empty file is refused with its name. Its size and hash are the upload's, filled
  /// in as it is stored.
  static func evidenceRecord(
    for file: (fileName: String, mediaType: String, upload: EvidenceUpload), item: ObjectID,
    category: EvidenceCategory, howFixed: FixingMethod, description: String = "", by visit: Visit
  ) throws -> EvidenceRecord {
    guard file.upload.size > 0 else {
      throw Failure(
        code: "evidence.empty", message: "the chosen file \(file.fileName) is empty: choose the file itself")
    }
    let record = EvidenceRecord(
      itemID: item, category: category, howFixed: howFixed, fixedBy: visit.caller.account,
      fileName: file.fileName, mediaType: file.mediaType, size: 0, sha256: Data(count: 32),
      description: description)
    try record.validate()
    return record
  }

  /// Shares one item with the bureaus ticked, by a signed act to them alone.
  func shareEvidence(_ request: Request, id rawID: String) async throws -> Response {
    var leadID = ""
    return try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      leadID = try app.evidence(id).item
      _ = try app.shareEvidence(
        [id], with: form.all("to").joined(separator: ","), note: form.text("note") ?? "",
        by: visit.caller.officer)
      return "\(Console.root)/leads/\(leadID)?done=shared"
    } onRefusal: { visit, _, error in
      refused(try lead(visit, id: leadID.isEmpty ? rawID : leadID), error)
    }
  }

  /// The lead's evidence bundle (every item, its signed changes, certificates, proofs of receipt
  /// and `verify.sh`) as one tar file, which leaves nothing on the node's disk.
  func bundle(_ request: Request, id rawID: String) async throws -> Response {
    try await respond(request) { visit in
      try visit.caller.require(.readCases)
      let archive = try app.openEvidenceArchive(of: try app.objectID(rawID))
      let handle = archive.handle
      return Self.fileDownload(
        { try handle.read(upToCount: 256 * 1024).flatMap { $0.isEmpty ? nil : $0 } }, size: Int(archive.size),
        type: "application/x-tar", name: archive.name, finished: { try? handle.close() })
    }
  }
}
