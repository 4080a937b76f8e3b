import Foundation
import LiandongTesting
import Testing

@Suite("Child processes started by the tests")
struct ChildProcessTests {
  /// SwiftNIO accepts connections without close-on-exec. A child that inherited one kept it open
  /// after the listener closed it, so a test that waited for the close failed whenever another
  /// test happened to start a child at that moment.
  @Test("a child inherits only stdin, stdout and stderr, not a descriptor left open without close-on-exec")
  func onlyStandardDescriptors() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor > 2)
    defer { close(descriptor) }
    #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0, "the socket is inheritable by default")
    let result = try run(
      "/bin/sh",
      ["-c", "for fd in 0 1 2 \(descriptor); do test -e /proc/$$/fd/$fd && echo $fd; done; exit 0"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.split(separator: "\n") == ["0", "1", "2"], "\(result)")
  }

  /// `faketime` passes no signal on. A test that ended with a node still serving under it killed
  /// the wrapper alone: the node ran on as an orphan, and the wrapper's `/dev/shm` objects stayed,
  /// until a later `faketime` given the same pid refused to start.
  @Test("a child dropped while it runs under faketime leaves neither its own child nor a /dev/shm object")
  func faketimeWrapperEndsCleanly() async throws {
    var wrapper: ChildProcess? = try ChildProcess("/usr/bin/faketime", ["-f", "-20m", "sleep", "300"])
    let wrapperPID = try #require(wrapper?.pid)
    var sleeper: pid_t? = nil
    let started = await eventually(20) {
      sleeper = Self.children(of: wrapperPID).first
      return sleeper != nil && Self.sharedObjects(of: wrapperPID).count == 2
    }
    try #require(started, "faketime did not start sleep with its two /dev/shm objects")
    wrapper = nil
    let sleeperPID = try #require(sleeper)
    #expect(kill(sleeperPID, 0) == -1 && errno == ESRCH, "sleep \(sleeperPID) still runs")
    #expect(
      Self.sharedObjects(of: wrapperPID).isEmpty, "left in /dev/shm: \(Self.sharedObjects(of: wrapperPID))")
  }

  @Test("before faketime starts, objects a killed faketime left in /dev/shm are removed, a live one's kept")
  func faketimeLeftoversSwept() throws {
    let ended = try ChildProcess("/bin/true", [])
    ended.wait()
    let names = { (pid: pid_t) in ["sem.faketime_sem_\(pid)", "faketime_shm_\(pid)"] }
    let stale = names(ended.pid)
    let live = names(getpid())
    for name in stale + live {
      _ = FileManager.default.createFile(atPath: "/dev/shm/\(name)", contents: Data())
    }
    defer { for name in stale + live { try? FileManager.default.removeItem(atPath: "/dev/shm/\(name)") } }
    let result = try run("/usr/bin/faketime", ["-f", "-1m", "/bin/true"])
    #expect(result.status == 0, "\(result)")
    #expect(Self.sharedObjects(of: ended.pid).isEmpty, "stale objects stayed")
    #expect(Self.sharedObjects(of: getpid()).count == 2, "a live process's objects were removed")
  }

  static func children(of pid: pid_t) -> [pid_t] {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    return text.split(separator: " ").compactMap { pid_t($0) }
  }

  static func sharedObjects(of pid: pid_t) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []
    return names.filter { $0 == "sem.faketime_sem_\(pid)" || $0 == "faketime_shm_\(pid)" }
  }
}
