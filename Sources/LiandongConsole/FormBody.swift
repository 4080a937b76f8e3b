import Foundation
import Hummingbird
import LiandongApp

/// A submitted form: its text fields, and the one file it may carry, already on disk.
struct FormBody {
  var fields: [String: [String]] = [:]
  /// The file part, streamed into an upload (absent, or empty when the officer chose no file).
  var file: (fileName: String, mediaType: String, upload: EvidenceUpload)?

  /// Text fields are small: a summary at its longest is a few kilobytes.
  static let maximumFieldBytes = 64 * 1024
  static let maximumTextBytes = 256 * 1024

  subscript(_ name: String) -> String? { fields[name]?.first }

  /// The trimmed value, nil when absent or blank.
  func text(_ name: String) -> String? {
    guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
      return nil
    }
    return value
  }

  func all(_ name: String) -> [String] { fields[name] ?? [] }

  /// Reads an url-encoded form, or a multipart one whose file goes to `startUpload` as it arrives.
  static func read(_ request: Request, startUpload: () throws -> EvidenceUpload) async throws -> FormBody {
    let type = request.headers[.contentType] ?? ""
    if type.lowercased().hasPrefix("multipart/form-data") {
      return try await multipart(request, contentType: type, startUpload: startUpload)
    }
    let buffer = try await request.body.collect(upTo: maximumTextBytes)
    return FormBody(fields: urlEncoded(String(buffer: buffer)))
  }

  /// `a=1&b=x+y&c=%E4%B8%AD`.
  static func urlEncoded(_ text: String) -> [String: [String]] {
    var fields: [String: [String]] = [:]
    for pair in text.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decoded(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
      }
      fields[decoded(parts[0]), default: []].append(parts.count == 2 ? decoded(parts[1]) : "")
    }
    return fields
  }

  private static func multipart(
    _ request: Request, contentType: String, startUpload: () throws -> EvidenceUpload
  ) async throws -> FormBody {
    var parser = try MultipartParser(contentType: contentType)
    var form = FormBody()
    var current: (name: String, fileName: String?, contentType: String?)?
    var text: [UInt8] = []
    var textBytes = 0
    for try await piece in request.body {
      for event in try parser.feed(piece.readableBytesView) {
        switch event {
        case .part(let name, let fileName, let type):
          current = (name, fileName, type)
          text = []
          if let fileName, !fileName.isEmpty {
            guard form.file == nil else {
              throw Failure(code: "api.bad-request", message: "a form carries at most one file")
            }
            form.file = (fileName, type ?? "application/octet-stream", try startUpload())
          }
        case .bytes(let bytes):
          if let file = form.file, current?.fileName == file.fileName {
            try file.upload.append(bytes)
          } else if current?.fileName == nil {
            text += bytes
            textBytes += bytes.count
            guard text.count <= maximumFieldBytes, textBytes <= maximumTextBytes else {
              throw Failure(
                code: "api.too-large", message: "a form's text is at most \(maximumTextBytes) bytes")
            }
          }
        case .partEnd:
          if let current, current.fileName == nil {
            form.fields[current.name, default: []].append(String(decoding: text, as: UTF8.self))
          }
          current = nil
        }
      }
    }
    guard parser.finished else { throw MultipartParser.malformed("it ends before its closing boundary") }
    return form
  }
}
