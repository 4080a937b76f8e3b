import Foundation
import LiandongTesting
import Testing

extension HubFailoverTests {
  @Test(
    "a Patroni cluster left running by a test process that died (etcd, Patroni, PostgreSQL, HAProxy) is stopped and its folder removed when the next server starts"
  )
  func deadProcessesClusterIsSwept() async throws {
    let orphan = try await PatroniCluster()
    // Its children are this process's: waited for here, whatever the sweep did.
    defer { orphan.stop() }
    let processes = LeftoverCheck.running(naming: orphan.folder)
    let commands = processes.compactMap { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }
    for program in ["etcd", "haproxy", "postgres"] {
      #expect(commands.contains { $0.hasPrefix(program) }, "\(program) runs before the sweep: \(commands)")
    }
    try LeftoverCheck.disown(orphan.folder)
    let next = try await PostgreSQLServer()
    defer { next.stop() }
    #expect(LeftoverCheck.running(naming: orphan.folder).isEmpty, "every process of the cluster is stopped")
    #expect(processes.allSatisfy { !LeftoverCheck.isRunning($0) })
    #expect(!FileManager.default.fileExists(atPath: orphan.folder.path))
    #expect(try next.psql("SELECT 1") == "1")
  }
}
