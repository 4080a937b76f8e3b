import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongConsole

/// Who is calling: the account of the bearer token or of the browser's session cookie, kept for
/// the request's handlers. Health checks and logging in and out need neither; every other route
/// needs one. A session's act (any method but GET and HEAD) must carry its CSRF token too.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
  let app: NodeApp
  /// Paths that need no credentials: these, and `/metrics` when the listener is on loopback.
  let open: Set<String>
  static var alwaysOpen: Set<String> { ["/healthz", "/readyz", "/v1/session"] }

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    let cookie = SessionCookie.value(in: request.headers[.cookie])
    let outgoing = SessionCookie.Outgoing()
    var response = try await SessionCookie.$current.withValue(cookie) {
      try await SessionCookie.$outgoing.withValue(outgoing) {
        // The console signs people in itself, and sends them to its login page rather than a 401.
        if open.contains(request.uri.path) || Console.owns(request.uri.path) {
          return try await next(request, context)
        }
        let caller = try authenticate(request, cookie: cookie)
        return try await CurrentCaller.$value.withValue(caller) { try await next(request, context) }
      }
    }
    if let set = outgoing.cookie { response.headers[.setCookie] = set }
    return response
  }

  private func authenticate(_ request: Request, cookie: String?) throws -> Caller {
    if let header = request.headers[.authorization] {
      return try app.authenticate(token: header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : "")
    }
    if let cookie {
      return try app.authenticate(
        session: cookie, csrfToken: request.headers[Self.csrfHeader],
        changesState: request.method != .get && request.method != .head)
    }
    return try app.authenticate(token: nil)
  }

  static var csrfHeader: HTTPField.Name { HTTPField.Name("X-CSRF-Token")! }
}

/// The authenticated account of the request being handled.
enum CurrentCaller {
  @TaskLocal static var value: Caller?

  static func required() throws -> Caller {
    guard let value else { throw Failure(code: "auth.no-token", message: "this call needs a bearer token") }
    return value
  }
}
