import Foundation
import LiandongErrors
import LiandongStore

/// Work an operator starts from a browser or a case system that outlasts a request (verifying
/// every evidence file again, writing a backup), one at a time, on a thread of its own: it takes
/// as long as the disk needs and would hold a thread of the concurrency pool the requests share.
/// Its state is read while it runs, with its progress, and after it ends, with its report or its
/// failure, until the next one starts.
public final class BackgroundRun<Report: Sendable>: @unchecked Sendable {
  public struct Status: Sendable {
    public enum State: String, Sendable, Encodable { case never, running, done, failed }
    public var state: State
    /// Whether it reads and hashes every evidence file (a backup always does; `verify` unless
    /// asked not to).
    public var files: Bool? = nil
    public var startedBy: String? = nil
    public var started: String? = nil
    public var finished: String? = nil
    /// Bytes read so far and in all, for work that reports them (nil until it does).
    public var bytesRead: UInt64? = nil
    public var bytesTotal: UInt64? = nil
    /// The finished run's report; nil while it runs and when it failed.
    public var report: Report? = nil
    public var failure: Failure? = nil
  }

  /// The work itself, told how many bytes it has read of how many.
  public typealias Work =
    @Sendable (_ progress: @escaping @Sendable (_ bytesRead: UInt64, _ bytesTotal: UInt64) -> Void) throws
    -> Report

  /// The code a start is refused with while one runs (`verify.running`), and how the caller
  /// follows the one running (`GET /v1/verify`).
  private let busyCode: String
  private let follow: String
  private let lock = NSLock()
  private var current = Status(state: .never)
  private let queue: DispatchQueue

  public init(busyCode: String, follow: String) {
    self.busyCode = busyCode
    self.follow = follow
    queue = DispatchQueue(label: "liandong.\(busyCode)", qos: .utility)
  }

  public var status: Status { lock.withLock { current } }

  /// Starts `work` for `account`, or refuses while one runs (with `busyCode`); returns the
  /// status it starts with.
  @discardableResult
  public func start(files: Bool, by account: String, _ work: @escaping Work) throws -> Status {
    let started = try lock.withLock { () throws -> Status in
      if current.state == .running {
        throw Failure(
          code: busyCode,
          message:
            "one started by \(current.startedBy ?? "someone") at \(current.started ?? "?") is still running; follow it with \(follow)"
        )
      }
      current = Status(state: .running, files: files, startedBy: account, started: Date().iso8601)
      return current
    }
    queue.async { [self] in
      let outcome = Result {
        try work { read, total in
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
          current.report = report
        case .failure(let error):
          current.state = .failed
          current.failure = Failure(error)
        }
      }
    }
    return started
  }
}
