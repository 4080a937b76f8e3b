import Foundation

/// A child process started with `posix_spawn`. Unlike Foundation's Process, it resets the signal
/// mask and dispositions: the test process blocks SIGTERM and SIGALRM on its threads, and a child
/// that inherited that mask could neither be stopped nor run `timeout`.
public final class ChildProcess: @unchecked Sendable {
  public let pid: pid_t
  public let stdoutURL: URL
  public let stderrURL: URL
  public private(set) var status: Int32? = nil
  /// The child's peak resident set in KiB, once it has been waited for: its `VmHWM` as last read
  /// while it ran. Not `ru_maxrss`: Linux carries the spawning process's own high-water mark into
  /// the child's at `exec`, so a child of a large benchmark process reported the benchmark's size
  /// (B3's fetching node showed 111.8 MiB both moving 1 GiB and moving nothing). `ru_maxrss` is
  /// the fallback only for a child that ended before it could be read.
  public private(set) var peakResidentKiB: Int? = nil
  /// The write end of the child's stdin, when started with `inputPipe`.
  private var input: Int32 = -1

  public init(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], inputPipe: Bool = false,
    discardStdout: Bool = false
  ) throws {
    if FaketimeLeftovers.isFaketime(executable) { FaketimeLeftovers.sweep() }
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "liandong-child-\(UUID().uuidString)")
    stdoutURL = base.appendingPathExtension("out")
    stderrURL = base.appendingPathExtension("err")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var pipeEnds: [Int32] = [-1, -1]
    if inputPipe {
      // Close-on-exec, so children spawned meanwhile by other tests cannot hold it open.
      guard pipe(&pipeEnds) == 0 else { throw SpawnError("pipe failed") }
      for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
      posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
      posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_addopen(
      &actions, 1, discardStdout ? "/dev/null" : stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // Nothing else crosses: SwiftNIO accepts sockets without close-on-exec, and a child that
    // inherited a listener's connection would keep it open after the listener closed it (no FIN,
    // so a test waiting for the close waits in vain), or hold a blob's transfer lock.
    closeFrom(3, in: &actions)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var child: pid_t = 0
    let result = posix_spawnp(&child, executable, &actions, &attributes, argv, envp)
    if inputPipe {
      // The parent keeps only the write end; the child closes it, so closing ours is its EOF.
      Foundation.close(pipeEnds[0])
      input = pipeEnds[1]
    }
    guard result == 0 else {
      throw SpawnError("cannot start \(executable): \(String(cString: strerror(result)))")
    }
    pid = child
  }

  deinit {
    closeInput()
    if status == nil {
      forceEnd()
      _ = wait(timeout: 5)
    }
    try? FileManager.default.removeItem(at: stdoutURL)
    try? FileManager.default.removeItem(at: stderrURL)
  }

  /// Waits for the child to exit; kills it with SIGKILL after `timeout` seconds. Returns the
  /// exit status (128 + signal for a signal).
  @discardableResult
  public func wait(timeout: Double = 120) -> Int32 {
    if let status { return status }
    let deadline = Date().addingTimeInterval(timeout)
    var raw: Int32 = 0
    var usage = rusage()
    var highWater: Int? = nil
    while true {
      // Read before reaping: once the child has exited its memory, and VmHWM, are gone.
      if let read = try? residentKiB(pid, peak: true) { highWater = max(highWater ?? 0, read) }
      let result = wait4(pid, &raw, WNOHANG, &usage)
      if result == pid { break }
      if result < 0 && errno != EINTR { return -1 }
      if Date() > deadline { forceEnd() }
      usleep(5_000)
    }
    let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    status = code
    peakResidentKiB = highWater ?? Int(usage.ru_maxrss)
    return code
  }

  /// The same wait for a caller on the concurrency pool, which it must not hold: on a 2-core
  /// machine the pool has two threads, and a test blocked in the synchronous wait for a slow child
  /// starves every other test's task (a TLS peer's first write came after the server's idle
  /// timeout so). The blocking wait runs on a thread of its own.
  @discardableResult
  public func wait(timeout: Double = 120) async -> Int32 {
    await withCheckedContinuation { continuation in
      Thread.detachNewThread { continuation.resume(returning: self.wait(timeout: timeout)) }
    }
  }

  public func signal(_ number: Int32) { kill(pid, number) }

  /// SIGKILL to the child's own children first, then to the child. A wrapper such as `faketime`
  /// passes no signal on: killing it alone would leave its child running as an orphan (a
  /// `liandong serve` nobody stops) and its `/dev/shm` objects behind. Once its child is gone the
  /// wrapper cleans up and exits by itself; the final SIGKILL is for everything else.
  private func forceEnd() {
    let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, SIGKILL) }
    if !children.isEmpty {
      let grace = Date().addingTimeInterval(2)
      while Date() < grace && !hasExited { usleep(5_000) }
    }
    kill(pid, SIGKILL)
  }

  /// Whether the child has ended and waits to be reaped, found without reaping it.
  private var hasExited: Bool { Self.hasEnded(pid) }

  /// Whether process `pid` is gone or has ended and waits to be reaped (its state in `/proc` is
  /// Z): a killed child stays such a zombie until its parent waits for it.
  public static func hasEnded(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return stat[close...].dropFirst(2).first == "Z"
  }

  /// Writes to the child's stdin (started with `inputPipe`).
  public func send(_ text: String) {
    _ = text.withCString { Foundation.write(input, $0, strlen($0)) }
  }

  public func closeInput() {
    if input >= 0 { Foundation.close(input) }
    input = -1
  }

  /// Waits until the child's stdout contains every fragment (true), or `timeout` passes (false).
  /// Looks once more after the deadline: on a busy machine the waiting task may wake only after
  /// the deadline, when the line has long been written.
  public func waitForOutput(_ fragments: String..., timeout: Double = 20) async -> Bool {
    await waitForOutput(fragments, timeout: timeout)
  }

  public func waitForOutput(_ fragments: [String], timeout: Double = 20) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let text = stdout
      if fragments.allSatisfy(text.contains) { return true }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return fragments.allSatisfy(stdout.contains)
  }

  public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
  public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

public struct SpawnError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// glibc (2.34 and later) has `posix_spawn_file_actions_addclosefrom_np`, but Swift's Glibc module
/// does not import it, so it is looked up by name. Without it the child inherits what the parent
/// has open, as before.
private func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
  typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
  _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
}
