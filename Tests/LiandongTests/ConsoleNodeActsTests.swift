import Foundation
import LiandongTesting
import Testing

/// The node page as a bureau's operator uses it without a shell on the node's machine: peers,
/// the CA's new CRL, a backup, a verification, doctor; through curl as a browser sends its forms.
@Suite("The console's node page: the operator's acts", .serialized)
struct ConsoleNodeActsTests {
  @Test(
    "an operator adds a peer, installs a CRL after previewing it (in force at once), backs up, verifies, reads doctor and removes the peer; bad input is refused in Chinese"
  )
  func operatorActs() async throws {
    let federation = try TestFederation(label: "console-node-acts", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await jjj.accounts([
      ("wang.ops", "operator", "运维值班 night shift"), ("shen.ji", "auditor", "审计人员 read only"),
    ])
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }
    let visit = try ConsoleVisit.loggedIn(base, "wang.ops", "运维值班 night shift")
    let page = try visit.get("/console/node")
    for form in ["add-peer", "install-crl", "start-backup", "start-verify"] {
      #expect(page.body.contains(#"id="\#(form)""#), "\(form)")
    }
    let csrf = try #require(ConsoleVisit.csrf(in: page.body))

    // Peers: added from the page, a bad address refused with what to write, nothing stored.
    let added = try visit.post(
      "/console/node/peers",
      [("csrf", csrf), ("act", "add"), ("node", "yrd"), ("address", "127.0.0.1:\(yrd.port)")])
    #expect(added.status == 303 && added.location == "/console/node?done=peers", "\(added)")
    let noPort = try visit.post(
      "/console/node/peers", [("csrf", csrf), ("act", "add"), ("node", "prd"), ("address", "somewhere")])
    #expect(
      noPort.isProblemPage(400, "input.address") && noPort.body.contains("主机:端口"),
      "\(noPort.body.suffix(1500))")
    let listed = try await jjj.cli("peer", "list", "--json").stdout
    #expect(listed.contains("\"yrd\"") && !listed.contains("\"prd\""), "\(listed)")

    // The CA revokes prd; the operator previews its new CRL (nothing installed), then installs it.
    try await prd.cli("peer", "add", "jjj", "127.0.0.1:\(jjj.port)")
    #expect(try await prd.cli("sync", "jjj").status == 0)
    let inForce = try Data(contentsOf: jjj.data.appendingPathComponent("crl.pem"))
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution
    try federation.revoke("prd")
    try federation.publishCRL()
    let preview = try visit.postMultipart(
      "/console/node/crl", [("csrf", csrf), ("act", "preview")], file: federation.crlURL)
    #expect(
      preview.status == 200 && preview.body.contains(#"id="crl-result""#), "\(preview.body.suffix(2000))")
    #expect(
      preview.body.contains("预览") && preview.body.contains("<li>prd · "), "\(preview.body.suffix(2000))")
    #expect(try Data(contentsOf: jjj.data.appendingPathComponent("crl.pem")) == inForce)
    let installed = try visit.postMultipart(
      "/console/node/crl", [("csrf", csrf), ("act", "install")], file: federation.crlURL)
    #expect(installed.status == 200 && installed.body.contains("已安装吊销列表"), "\(installed.body.suffix(2000))")
    #expect(
      try await prd.cli("sync", "jjj").failed(with: "sync.refused"),
      "in force on the listener without a reload")
    let garbage = temporaryDirectory("console-crl").appendingPathComponent("not-a-crl.pem")
    try Data("not a CRL".utf8).write(to: garbage)
    let refused = try visit.postMultipart(
      "/console/node/crl", [("csrf", csrf), ("act", "install")], file: garbage)
    #expect(refused.isProblemPage(400, "crypto.unreadable-pem") && refused.body.contains("PEM"), "\(refused)")

    // A backup and a verification in the background, followed on the page.
    let backup = try visit.post("/console/node/backup", [("csrf", csrf)])
    #expect(backup.status == 303 && backup.location == "/console/node?done=backup", "\(backup)")
    var shown = ""
    let backedUp = try await eventually(60) {
      shown = try visit.get("/console/node").body
      return shown.contains(#"<div id="backup-run"><div class="run run-done">"#)
    }
    #expect(backedUp && shown.contains("/backups/liandong-jjj-") && shown.contains("未发现问题"), "\(shown)")
    let verify = try visit.post("/console/node/verify", [("csrf", csrf), ("files", "on")])
    #expect(verify.status == 303 && verify.location == "/console/node?done=verify", "\(verify)")
    let verified = try await eventually(60) {
      shown = try visit.get("/console/node").body
      return shown.contains(#"<div id="verification"><div class="run run-done">"#)
    }
    #expect(verified, "\(shown)")

    let doctor = try visit.get("/console/doctor")
    #expect(
      doctor.status == 200 && doctor.body.contains(#"id="findings""#) && doctor.body.contains("时钟"),
      "\(doctor)")
    // The findings and what to do are worded in Chinese, not the command line's English.
    #expect(
      doctor.body.contains("数据库通过 SQLite 快速完整性检查") && doctor.body.contains("node.json 中的配置项均可识别")
        && !doctor.body.contains("the database passes"), "\(doctor.body)")

    let removed = try visit.post("/console/node/peers", [("csrf", csrf), ("act", "remove"), ("node", "yrd")])
    #expect(removed.status == 303, "\(removed)")
    #expect(try await jjj.cli("peer", "list", "--json").stdout.contains("\"yrd\"") == false)

    // An auditor sees the node and the runs, and is offered none of these acts, nor may make them.
    let auditor = try ConsoleVisit.loggedIn(base, "shen.ji", "审计人员 read only")
    let auditorPage = try auditor.get("/console/node")
    #expect(auditorPage.status == 200 && auditorPage.body.contains(#"id="backup-run""#))
    for form in ["add-peer", "install-crl", "start-backup", "start-verify"] {
      #expect(!auditorPage.body.contains(#"id="\#(form)""#), "\(form)")
    }
    let auditorCSRF = try #require(ConsoleVisit.csrf(in: auditorPage.body))
    #expect(
      try auditor.post("/console/node/backup", [("csrf", auditorCSRF)]).isProblemPage(
        403, "auth.not-permitted"))
  }
}
