import Foundation
import Hummingbird
import LiandongApp

/// Who is calling: the account of the bearer token, kept for the request's handlers. Health
/// checks need no token; every other route does.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
  let app: NodeApp
  static var open: Set<String> { ["/healthz", "/readyz"] }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    if Self.open.contains(request.uri.path) { return try await next(request, context) }
    let header = request.headers[.authorization]
    let token = header.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : "" }
    let caller = try app.authenticate(token: token)
    return try await CurrentCaller.$value.withValue(caller) { try await next(request, context) }
  }
}

/// The authenticated account of the request being handled.
enum CurrentCaller {
  @TaskLocal static var value: Caller?

  static func required() throws -> Caller {
    guard let value else { throw Failure(code: "auth.no-token", message: "this call needs a bearer token") }
    return value
  }
}
