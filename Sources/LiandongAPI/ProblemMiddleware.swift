import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongErrors
import Logging
import OpenAPIRuntime

/// Answers every failure as RFC 9457 problem details carrying the error's stable code, its
/// category's status, the message and the remedy: the same words the command line prints. No
/// raw Foundation, decoding or NIO text reaches a client.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
  let logger: Logger

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    do {
      let response = try await next(request, context)
      return response
    } catch {
      let failure = Self.failure(error)
      if failure.category == .internal {
        logger.error(
          "API request failed", metadata: ["path": "\(request.uri.path)", "code": "\(failure.code)"])
      }
      return Self.response(failure)
    }
  }

  /// What the caller is told: the coded error beneath OpenAPIRuntime's and Hummingbird's wrappers.
  static func failure(_ error: any Error) -> Failure {
    switch error {
    case let server as ServerError:
      if server.underlyingError is any CodedError { return Failure(server.underlyingError) }
      // The request did not fit the spec: a body that does not decode, a missing field, a wrong type.
      return Failure(
        code: "api.bad-request",
        message:
          "the request does not fit Protocol/openapi.yaml for \(server.operationID): \(describe(server.underlyingError))"
      )
    case let http as HTTPError where http.status == .notFound:
      return Failure(code: "api.not-found", message: "no such path")
    case let http as HTTPError:
      return Failure(
        code: "api.bad-request", message: http.body ?? "\(http.status.code) \(http.status.reasonPhrase)")
    default:
      return Failure(error)
    }
  }

  static func describe(_ error: any Error) -> String {
    if let decoding = error as? DecodingError { return SystemError.reason(decoding) }
    return SystemError.reason(error)
  }

  static func response(_ failure: Failure) -> Response {
    let status = HTTPResponse.Status(code: failure.category.httpStatus)
    let problem = Problem(
      type: "urn:liandong:error:\(failure.code)", title: status.reasonPhrase, status: status.code,
      detail: failure.message, code: failure.code, category: failure.category.rawValue, remedy: failure.remedy
    )
    let body = (try? JSONEncoder.sorted.encode(problem)) ?? Data("{}".utf8)
    var headers = HTTPFields()
    headers[.contentType] = "application/problem+json"
    if failure.category == .unauthenticated { headers[.wwwAuthenticate] = "Bearer realm=\"liandong\"" }
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
  }

  struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var category: String
    var remedy: String
  }
}

extension JSONEncoder {
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }
}
