import Foundation
import Testing

@testable import LiandongTesting

extension PostgresStoreTests {
  @Test(
    "a server left running by a test process that died is stopped and its folder removed when the next server starts; a live process's server is left alone"
  )
  func deadProcessesServersAreSwept() async throws {
    let orphan = try await PostgreSQLServer()
    // Its server is this process's child: waited for here, whatever the sweep did.
    defer { orphan.stop() }
    let kept = try await PostgreSQLServer()
    defer { kept.stop() }
    try LeftoverCheck.disown(orphan.folder)
    let postmaster = try #require(
      PostgreSQLServer.postmasterPID(dataDirectory: orphan.folder.appendingPathComponent("data")))
    #expect(LeftoverCheck.isRunning(postmaster))
    let next = try await PostgreSQLServer()
    defer { next.stop() }
    #expect(!LeftoverCheck.isRunning(postmaster), "the dead process's server is stopped")
    #expect(LeftoverCheck.running(naming: orphan.folder).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: orphan.folder.path))
    #expect(try kept.psql("SELECT 1") == "1", "a live process's server still answers")
    #expect(try next.psql("SELECT 1") == "1")
  }
}

/// What the leftover sweeps' tests ask of a folder and its processes.
enum LeftoverCheck {
  /// Says `folder` is a process's that has ended, as a crashed run's would be.
  static func disown(_ folder: URL) throws {
    let ended = try ChildProcess("/bin/true", [])
    _ = ended.wait(timeout: 10)
    try Data("\(ended.pid)\n".utf8).write(to: folder.appendingPathComponent("owner"))
  }

  /// Alive and not a zombie (a killed child of this test process stays one until it is waited for).
  static func isRunning(_ pid: pid_t) -> Bool { !ChildProcess.hasEnded(pid) }

  /// Live processes whose command line names something in `folder`.
  static func running(naming folder: URL) -> [pid_t] {
    PostgreSQLLeftovers.processes { $0.contains(folder.path + "/") }.filter(isRunning)
  }
}
