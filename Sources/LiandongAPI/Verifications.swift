import Foundation
import LiandongApp
import LiandongErrors
import LiandongStore

/// Verifications started through the API (`POST /v1/verify`), one at a time, each on a thread of
/// its own: reading every evidence file again takes as long as the disk needs, longer than a
/// request may wait, and would hold a thread of the concurrency pool the other requests share.
/// `GET /v1/verify` reads the one running, with its progress, or the last one.
final class Verifications: @unchecked Sendable {
  /// What `GET /v1/verify` shows (the shape of `Verification` in the spec).
  struct Shown: Encodable {
    enum State: String, Encodable { case never, running, done, failed }
    var state: State
    var files: Bool?
    var startedBy: String?
    var started: String?
    var finished: String?
    var bytesRead: UInt64?
    var bytesTotal: UInt64?
    var ok: Bool?
    var report: AuditReport?
    var problem: ProblemDetails?
  }

  private let lock = NSLock()
  private var current = Shown(state: .never)
  private let queue = DispatchQueue(label: "liandong.verify", qos: .utility)

  var shown: Shown { lock.withLock { current } }

  /// The verification itself (`NodeApp.verify`), told how many evidence bytes it has read.
  typealias Run =
    @Sendable (_ progress: (_ bytesRead: UInt64, _ bytesTotal: UInt64) -> Void) throws -> AuditReport

  /// Starts `run` for `account`, or refuses while one runs (verify.running).
  func start(files: Bool, by account: String, _ run: @escaping Run) throws -> Shown {
    let started = try lock.withLock { () throws -> Shown in
      if current.state == .running {
        throw Failure(
          code: "verify.running",
          message:
            "a verification started by \(current.startedBy ?? "someone") at \(current.started ?? "?") is still running; follow it with GET /v1/verify"
        )
      }
      current = Shown(
        state: .running, files: files, startedBy: account, started: Date().iso8601, bytesRead: 0)
      return current
    }
    queue.async { [self] in
      let outcome = Result {
        try run { read, total in
          self.lock.withLock {
            self.current.bytesRead = read
            self.current.bytesTotal = total
          }
        }
      }
      lock.withLock {
        current.finished = Date().iso8601
        switch outcome {
        case .success(let report):
          current.state = .done
          current.ok = report.ok
          current.report = report
        case .failure(let error):
          current.state = .failed
          current.ok = false
          current.problem = ProblemDetails(Failure(error))
        }
      }
    }
    return started
  }
}
