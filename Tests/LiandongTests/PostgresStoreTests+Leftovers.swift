import Foundation
import LiandongTesting
import Testing

extension PostgresStoreTests {
  @Test(
    "a server left running by a test process that died is stopped and its folder removed when the next server starts; a live process's server is left alone"
  )
  func deadProcessesServersAreSwept() async throws {
    let orphan = try await PostgreSQLServer()
    let kept = try await PostgreSQLServer()
    defer { kept.stop() }
    // The orphan's folder is said to be a process's that has ended, as a crashed run's would be.
    let ended = try ChildProcess("/bin/true", [])
    #expect(await ended.wait() == 0)
    try Data("\(ended.pid)\n".utf8).write(to: orphan.folder.appendingPathComponent("owner"))
    let postmaster = try #require(
      PostgreSQLServer.postmasterPID(dataDirectory: orphan.folder.appendingPathComponent("data")))
    #expect(kill(postmaster, 0) == 0)
    let next = try await PostgreSQLServer()
    defer { next.stop() }
    #expect(kill(postmaster, 0) == -1, "the dead process's server is stopped")
    #expect(!FileManager.default.fileExists(atPath: orphan.folder.path))
    #expect(try kept.psql("SELECT 1") == "1", "a live process's server still answers")
    #expect(try next.psql("SELECT 1") == "1")
  }
}
