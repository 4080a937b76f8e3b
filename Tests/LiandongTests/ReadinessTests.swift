import Foundation
import Testing

/// `/readyz`: alive is not the same as able to work.
@Suite("Readiness", .serialized)
struct ReadinessTests {
  @Test(
    "a node whose clock is behind its CA's CRL and its own certificate is alive but not ready, and says why")
  func clockBehind() async throws {
    let federation = try TestFederation(label: "readyz", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    jjj.clockOffset = "-20m"  // kept until stop(), which finds the node under faketime by it
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    #expect(try curl("GET", base + "/healthz").status == 200)
    let ready = try curl("GET", base + "/readyz")
    #expect(ready.isProblem(503, "node.not-ready"), "\(ready)")
    #expect(ready.json["detail"].map { "\($0)" }?.contains("check the clock") == true, "\(ready)")
  }

  @Test("a node with a current CRL, a valid certificate and a sane clock is ready")
  func ready() async throws {
    let federation = try TestFederation(label: "readyz-ok", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    _ = try await jjj.addLead()
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let ready = try curl("GET", base + "/readyz")
    #expect(ready.status == 200 && ready.json["node"] as? String == "jjj", "\(ready)")
  }
}
