import Foundation

/// When a progress line may be drawn on stderr.
///
/// Only on a terminal: under cron, systemd or a pipe, `\r` lines pile up in the log as noise.
/// Only once the work has taken a moment, so quick runs print nothing but their result. At most
/// a few times a second, so a fast stream of batches does not spend its time writing to stderr.
struct ProgressPacing {
  static let quietPeriod: TimeInterval = 1
  static let interval: TimeInterval = 0.25

  let enabled: Bool
  let started: Date
  private(set) var lastShown: Date?

  init(enabled: Bool = isatty(STDERR_FILENO) != 0, started: Date = Date()) {
    self.enabled = enabled
    self.started = started
  }

  /// Whether a line drawn at `now` is due; if it is, it counts as drawn.
  mutating func due(at now: Date = Date()) -> Bool {
    guard enabled, now.timeIntervalSince(started) > Self.quietPeriod else { return false }
    if let lastShown, now.timeIntervalSince(lastShown) < Self.interval { return false }
    lastShown = now
    return true
  }

  /// Whether a line was drawn, so the caller ends it with a newline.
  var hasShown: Bool { lastShown != nil }
}
