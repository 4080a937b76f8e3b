import Foundation

/// A test process that dies without running its `defer`s (a `try!` that traps, a SIGKILL) leaves
/// its PostgreSQL servers running: a postmaster does not end with the process that started it.
/// Each server's folder names the process it belongs to (`owner`); before a server starts, the
/// servers of owners no longer alive are killed and their folders removed. A server of a live
/// process is never touched, and a postmaster is killed only if its command line names the
/// folder (its pid may since belong to another program).
enum PostgreSQLLeftovers {
  static let prefix = "liandong-postgresql-"
  static let ownerFile = "owner"

  /// Marks `folder` as this process's.
  static func claim(_ folder: URL) throws {
    try Data("\(getpid())\n".utf8).write(to: folder.appendingPathComponent(ownerFile))
  }

  static func sweep(in parent: URL = FileManager.default.temporaryDirectory) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
    for name in names where name.hasPrefix(prefix) {
      let folder = parent.appendingPathComponent(name)
      guard
        let owner = (try? String(contentsOf: folder.appendingPathComponent(ownerFile), encoding: .utf8))
          .flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
        kill(owner, 0) == -1, errno == ESRCH
      else { continue }
      if let postmaster = PostgreSQLServer.postmasterPID(
        dataDirectory: folder.appendingPathComponent("data")),
        let command = try? String(contentsOfFile: "/proc/\(postmaster)/cmdline", encoding: .utf8),
        command.contains(folder.path)
      {
        kill(postmaster, SIGKILL)
        // Its processes notice the postmaster's death and end; wait for it to go first.
        let deadline = Date().addingTimeInterval(10)
        while kill(postmaster, 0) == 0, Date() < deadline { usleep(20_000) }
      }
      try? FileManager.default.removeItem(at: folder)
    }
  }
}
