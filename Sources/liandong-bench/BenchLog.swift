import Foundation

/// A progress line on standard error, so the table on standard output stays clean.
func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// The seconds `work` took, by the monotonic clock.
func secondsTaken(_ work: () throws -> Void) rethrows -> Double {
  let start = ContinuousClock.now
  try work()
  let elapsed = (ContinuousClock.now - start).components
  return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
}
