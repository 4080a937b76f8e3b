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
      let failure = Self.failure(error, method: request.method, path: request.uri.path)
      if failure.category == .internal {
        logger.error(
          "API request failed", metadata: ["path": "\(request.uri.path)", "code": "\(failure.code)"])
      }
      return Self.response(
        failure, allowed: APIServer.methods(of: request.uri.path) ?? [],
        retryAfter: (Self.coded(error) as? any RetryLater)?.retryAfter
      )
    }
  }

  /// What the caller is told: the coded error beneath OpenAPIRuntime's and Hummingbird's wrappers.
  static func failure(_ error: any Error, method: HTTPRequest.Method = .get, path: String = "") -> Failure {
    switch error {
    case let server as ServerError:
      if server.underlyingError is any CodedError { return Failure(server.underlyingError) }
      // The request did not fit the spec: a body that does not decode, a missing field, a wrong type.
      return Failure(
        code: "api.bad-request",
        message:
          "the request does not fit Protocol/openapi.yaml for \(server.operationID): \(SystemError.reason(server.underlyingError))"
      )
    case let http as HTTPError where http.status == .notFound:
      if let allowed = APIServer.methods(of: path), !allowed.isEmpty {
        return Failure(
          code: "api.method-not-allowed",
          message: "\(path) answers \(allowed.joined(separator: ", ")), not \(method.rawValue)")
      }
      return Failure(code: "api.not-found", message: "no such path")
    case let http as HTTPError:
      return Failure(
        code: "api.bad-request", message: http.body ?? "\(http.status.code) \(http.status.reasonPhrase)")
    default:
      return Failure(error)
    }
  }

  /// The two statuses HTTP has a more exact word for than the category's.
  static var statusOverrides: [String: Int] {
    ["api.method-not-allowed": 405, "api.too-large": 413, "auth.login-blocked": 429]
  }

  static var titles: [Int: String] {
    [
      400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
      409: "Conflict", 413: "Content Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
      503: "Service Unavailable",
    ]
  }

  /// The coded error itself, beneath OpenAPIRuntime's wrapper.
  static func coded(_ error: any Error) -> any Error {
    (error as? ServerError)?.underlyingError ?? error
  }

  static func response(_ failure: Failure, allowed: [String] = [], retryAfter: Int? = nil) -> Response {
    let problem = ProblemDetails(failure)
    let code = problem.status
    let status = HTTPResponse.Status(code: code, reasonPhrase: problem.title)
    let body = (try? JSONEncoder.sorted.encode(problem)) ?? Data("{}".utf8)
    var headers = HTTPFields()
    headers[.contentType] = "application/problem+json"
    if failure.category == .unauthenticated { headers[.wwwAuthenticate] = "Bearer realm=\"liandong\"" }
    if code == 405 { headers[.allow] = allowed.joined(separator: ", ") }
    if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
  }

}

/// A failure as RFC 9457 problem details: in an error response, and in a background job's
/// result (`GET /v1/verify`).
struct ProblemDetails: Encodable {
  var type: String
  var title: String
  var status: Int
  var detail: String
  var code: String
  var category: String
  var remedy: String

  init(_ failure: Failure) {
    let code =
      ProblemMiddleware<BasicRequestContext>.statusOverrides[failure.code] ?? failure.category.httpStatus
    type = "urn:liandong:error:\(failure.code)"
    title = ProblemMiddleware<BasicRequestContext>.titles[code] ?? ""
    status = code
    detail = failure.message
    self.code = failure.code
    category = failure.category.rawValue
    remedy = failure.remedy
  }
}

extension JSONEncoder {
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }
}
