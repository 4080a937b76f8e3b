import Foundation

/// A running process's resident set now (`VmRSS`) or at its peak so far (`VmHWM`), in KiB, from
/// `/proc/PID/status`: what tests and benchmarks compare against memory goals.
public func residentKiB(_ pid: pid_t, peak: Bool = false) throws -> Int {
  let field = peak ? "VmHWM:" : "VmRSS:"
  let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
  guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
    let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
  else { throw SpawnError("no \(field) in /proc/\(pid)/status") }
  return kib
}
