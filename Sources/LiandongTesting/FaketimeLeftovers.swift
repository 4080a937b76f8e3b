import Foundation

/// The `faketime` command keeps a semaphore and a shared-memory object named after its own pid in
/// `/dev/shm` while its child runs, and removes them when the child ends. A `faketime` that is
/// itself killed with SIGKILL leaves them behind, and a later `faketime` that happens to get the
/// same pid then refuses to start ("faketime: sem_open: File exists"): a test failed that way once
/// the machine had run a few hundred of them. Sweeping the objects of pids no longer alive before
/// each start removes that chance; an object of a live `faketime` is never touched.
enum FaketimeLeftovers {
  static let folder = "/dev/shm"
  static let prefixes = ["sem.faketime_sem_", "faketime_shm_"]

  static func sweep() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names {
      guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
        let pid = pid_t(name.dropFirst(prefix.count)),
        kill(pid, 0) == -1, errno == ESRCH
      else { continue }
      try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
    }
  }

  static func isFaketime(_ executable: String) -> Bool {
    (executable as NSString).lastPathComponent == "faketime"
  }
}
