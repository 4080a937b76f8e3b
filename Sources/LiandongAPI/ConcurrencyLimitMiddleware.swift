import Foundation
import Hummingbird
import LiandongApp
import Synchronization

/// At most `maximum` requests are handled at once; one more is answered at once with 503
/// `api.busy` and Retry-After, instead of queueing until every client times out. A burst from
/// one client costs others a retry, never a node that stops answering. (An event stream counts
/// only while its response starts: the stream itself runs outside.)
final class RequestGate: Sendable {
  let maximum: Int
  private let inFlight = Mutex(0)

  init(maximum: Int) { self.maximum = maximum }

  func enter() -> Bool {
    inFlight.withLock { count in
      guard count < maximum else { return false }
      count += 1
      return true
    }
  }

  func leave() { inFlight.withLock { $0 -= 1 } }
}

struct ConcurrencyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
  let gate: RequestGate

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
    async throws -> Response
  {
    guard gate.enter() else { throw Busy(maximum: gate.maximum) }
    defer { gate.leave() }
    return try await next(request, context)
  }
}

/// The node is handling its maximum of requests: a moment later it will not be.
struct Busy: RetryLater, Sendable {
  let maximum: Int
  var code: String { "api.busy" }
  var retryAfter: Int { 1 }
  var description: String { "this node is handling \(maximum) requests already; try again in a moment" }
}
