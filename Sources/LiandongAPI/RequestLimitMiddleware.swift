import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongConsole
import NIOCore

/// Bounds what one request may make the node hold: a body over `maximumBytes` is refused, by
/// its declared length before a byte is read, or as it streams in when no length is declared.
/// The JSON this API takes is small; evidence files will stream to disk, never be held. JSON
/// bodies are also checked for nulls, which the spec never allows.
struct RequestLimitMiddleware<Context: RequestContext>: RouterMiddleware {
  let maximumBytes: Int

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    // An evidence file streams to disk (EvidenceUpload): its own, larger limit. A JSON body is
    // held in memory whatever the route, so it keeps the small one.
    let json = request.headers[.contentType]?.hasPrefix("application/json") == true
    let limit =
      !json
        && (APIServer.route(of: request.uri.path) == "/v1/leads/{id}/evidence"
          || request.method == .post && Console.streamsUpload(request.uri.path))
      ? Int(EvidenceUpload.maximumBytes) : maximumBytes
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
      throw Self.tooLarge(limit)
    }
    var limited = request
    limited.body = RequestBody(asyncSequence: LimitedBody(base: request.body, maximumBytes: limit))
    if json {
      // JSON bodies are small: read whole here, so that what JSON Schema forbids and the
      // generated decoder lets through (an explicit null for an absent field) is refused.
      let buffer = try await limited.body.collect(upTo: limit)
      if let document = try? JSONSerialization.jsonObject(
        with: Data(buffer: buffer), options: [.fragmentsAllowed]),
        let place = Self.firstNull(in: document, at: "")
      {
        throw Failure(
          code: "api.bad-request",
          message: "\(place.isEmpty ? "the body" : place) is null: leave a field out instead")
      }
      limited.body = RequestBody(buffer: buffer)
    }
    return try await next(limited, context)
  }

  /// Where the first JSON null is (`subject.url`), or nil.
  static func firstNull(in value: Any, at path: String) -> String? {
    switch value {
    case is NSNull: return path
    case let object as [String: Any]:
      for key in object.keys.sorted() {
        if let found = firstNull(in: object[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
      }
      return nil
    case let array as [Any]:
      for (index, element) in array.enumerated() {
        if let found = firstNull(in: element, at: "\(path)[\(index)]") { return found }
      }
      return nil
    default: return nil
    }
  }

  static func tooLarge(_ limit: Int) -> Failure {
    Failure(code: "api.too-large", message: "the request body is larger than this API takes (\(limit) bytes)")
  }

  struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let maximumBytes: Int

    struct AsyncIterator: AsyncIteratorProtocol {
      var base: RequestBody.AsyncIterator
      let maximumBytes: Int
      var seen = 0

      mutating func next() async throws -> ByteBuffer? {
        guard let buffer = try await base.next() else { return nil }
        seen += buffer.readableBytes
        if seen > maximumBytes { throw RequestLimitMiddleware.tooLarge(maximumBytes) }
        return buffer
      }
    }

    func makeAsyncIterator() -> AsyncIterator {
      AsyncIterator(base: base.makeAsyncIterator(), maximumBytes: maximumBytes)
    }
  }
}
