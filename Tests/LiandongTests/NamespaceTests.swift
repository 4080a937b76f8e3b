import Foundation
import Testing

/// Whether this process may create network namespaces (root, iproute2, and a kernel that allows
/// them here).
let canUseNetworkNamespaces: Bool = {
  guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return false }
  let probe = "ldprobe\(getpid())"
  guard (try? run("/usr/sbin/ip", ["netns", "add", probe]))?.status == 0 else { return false }
  _ = try? run("/usr/sbin/ip", ["netns", "del", probe])
  return true
}()

@Suite("Three hosts in network namespaces", .serialized)
struct NamespaceTests {
  @Test(
    "a partition between yrd and prd, writes on both sides, and convergence when the link returns",
    .enabled(
      if: canUseNetworkNamespaces, "needs root and network namespaces; run Deploy/demo/namespaces.sh as root")
  )
  func partitionAndHeal() throws {
    let result = try run(
      repositoryRoot.appendingPathComponent("Deploy/demo/namespaces.sh").path, [],
      environment: ["LIANDONG_BIN": liandongBinary.path], timeout: 300)
    #expect(result.status == 0, "\(result.stdout.suffix(2000))\n\(result.stderr.suffix(1000))")
    #expect(result.stdout.contains("neither crossed the partition"))
    #expect(result.stdout.contains("Converged after the partition: every step held"))
  }
}
