import Foundation

/// A test process that dies without running its `defer`s (a `try!` that traps, a SIGKILL) leaves
/// its PostgreSQL servers running: a postmaster, and a Patroni cluster's etcd, Patroni and
/// HAProxy, do not end with the process that started them. Each server's or cluster's folder
/// names the process it belongs to (`owner`); before a server or cluster starts, the processes of
/// owners no longer alive are killed and their folders removed. A live process's server is never
/// touched, and a process is killed only if its command line names the folder (a pid may since
/// belong to another program; a backend, whose command line does not, ends with its postmaster).
enum PostgreSQLLeftovers {
  /// How the folders of a server (`PostgreSQLServer`) and of a cluster (`PatroniCluster`) begin.
  static let serverPrefix = "liandong-postgresql-"
  static let clusterPrefix = "liandong-patroni-"
  static let prefixes = [serverPrefix, clusterPrefix]
  static let ownerFile = "owner"

  /// Marks `folder` as this process's.
  static func claim(_ folder: URL) throws {
    try Data("\(getpid())\n".utf8).write(to: folder.appendingPathComponent(ownerFile))
  }

  static func sweep(in parent: URL = FileManager.default.temporaryDirectory) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
    for name in names where prefixes.contains(where: name.hasPrefix) {
      let folder = parent.appendingPathComponent(name)
      guard
        let owner = (try? String(contentsOf: folder.appendingPathComponent(ownerFile), encoding: .utf8))
          .flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
        kill(owner, 0) == -1, errno == ESRCH
      else { continue }
      let inside = folder.path + "/"
      let naming = { (line: String) in line.contains(inside) }
      // All at once, so that Patroni cannot start its PostgreSQL again.
      for pid in processes(naming) { kill(pid, SIGKILL) }
      // Gone, or a zombie (whose command line is empty): its files are no longer in use.
      let deadline = Date().addingTimeInterval(10)
      while !processes(naming).isEmpty, Date() < deadline { usleep(20_000) }
      try? FileManager.default.removeItem(at: folder)
    }
  }

  /// Processes whose command line (its arguments joined by spaces) `matches`.
  static func processes(_ matches: (String) -> Bool) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
      guard let pid = pid_t(entry),
        let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))
      else { return nil }
      return matches(String(decoding: line.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)) ? pid : nil
    }
  }
}
