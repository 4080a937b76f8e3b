import Foundation
import Hummingbird
import Metrics

/// Every request's duration, by the spec's route (not the raw path, whose IDs would make a
/// series per object), method and status, through swift-metrics.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    let started = ContinuousClock.now
    let response = try await next(request, context)
    let elapsed = ContinuousClock.now - started
    Metrics.Timer(
      label: "liandong_http_request_duration_seconds",
      dimensions: [
        ("route", APIServer.route(of: request.uri.path) ?? "other"), ("method", request.method.rawValue),
        ("status", "\(response.status.code)"),
      ]
    ).recordNanoseconds(
      elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    return response
  }
}
