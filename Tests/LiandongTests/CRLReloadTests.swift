import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongNode
import LiandongStore
import LiandongTesting
import Logging
import Testing

@Suite("Installing a new CRL and reloading it without a restart", .serialized)
struct CRLReloadTests {
  @Test("crl install checks the CRL; SIGHUP makes serve refuse a peer revoked since it started")
  func reloadOnSIGHUP() async throws {
    let federation = try TestFederation(label: "crl-reload", nodes: ["jjj", "yrd", "prd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let jjj = try await NodeProcess("jjj", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    for node in [jjj, prd] { try await node.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)") }
    #expect(try await jjj.cli("sync", "yrd").status == 0)
    let older = temporaryDirectory("crl").appendingPathComponent("older.pem")
    try FileManager.default.copyItem(at: federation.crlURL, to: older)
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution

    // The CA revokes jjj and publishes a new CRL; yrd's operator installs it.
    try federation.revoke("jjj")
    try federation.publishCRL()
    let garbage = temporaryDirectory("crl").appendingPathComponent("garbage.pem")
    try Data("not a CRL".utf8).write(to: garbage)
    #expect(try await yrd.cli("crl", "install", garbage.path).failed(with: "crypto.unreadable-pem"))
    let installed = try await yrd.cli("crl", "install", federation.crlURL.path)
    #expect(installed.status == 0 && installed.stdout.contains("reload"), "\(installed)")
    // No session ends in between (after one, serve would put the list it now holds in force
    // itself: CRLRelayTests), so the reload is what applies it.
    yrd.server!.signal(SIGHUP)
    #expect(await eventually(10) { yrd.log.contains("trust reloaded") }, "\(yrd.log.suffix(500))")
    let refused = try await jjj.cli("sync", "yrd")
    #expect(refused.failed(with: "sync.refused"), "\(refused)")
    #expect(await eventually(10) { yrd.log.contains("revoked") }, "\(yrd.log.suffix(800))")
    #expect(try await prd.cli("sync", "yrd").status == 0, "an honest peer is still served")

    // A CRL revoking the node itself, or an older one, is not installed.
    try federation.revoke("yrd")
    try federation.publishCRL()
    let own = try await yrd.cli("crl", "install", federation.crlURL.path)
    #expect(own.failed(with: "crl.refused"), "\(own)")
    let stale = try await yrd.cli("crl", "install", older.path)
    #expect(stale.failed(with: "crl.older"), "\(stale)")
  }

  @Test("a CRL that serve reloads applies to the node's own writes at once, even when it revokes the node")
  func reloadAppliesToLocalWrites() async throws {
    let federation = try TestFederation(label: "crl-local", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let app = try NodeApp.open(jjj.data)
    let server = try NodeServer(home: app.home, options: .init(port: 0), logger: Logger(label: "crl-local"))
    let lead = NewLead(
      subject: SubjectRecord(kind: .enterprise, name: "某店"),
      fields: LeadFields(violations: [.noCCC], subjectIDs: [], summary: "s"), audience: nil)
    _ = try app.addLead(lead, by: Officer("zhang"))

    // The CA revokes jjj; its new CRL is put in place without 'crl install' (which would refuse
    // it), as configuration management would, and the running node reloads (SIGHUP).
    try federation.revoke("jjj")
    try federation.publishCRL()
    let installed = jjj.data.appendingPathComponent("crl.pem")
    try FileManager.default.removeItem(at: installed)
    try FileManager.default.copyItem(at: federation.crlURL, to: installed)
    server.reloadTrust()
    // Signed from a moment after the revocation, the node's own change is refused.
    let refused = try await eventually(10) {
      do {
        _ = try app.addLead(lead, by: Officer("zhang"))
        return false
      } catch let error as any CodedError {
        return error.code == "local.change.signer-not-trusted"
      }
    }
    #expect(refused)
  }
}
