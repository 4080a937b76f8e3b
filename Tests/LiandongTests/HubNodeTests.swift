import Foundation
import LiandongCrypto
import LiandongTesting
import Testing

/// A hub made with `liandong init --store postgresql://...` (a real PostgreSQL) and evidence in
/// a real SeaweedFS, in a federation of real `liandong serve` processes beside two nodes on
/// SQLite: what one officer records reaches the others through it, two serve processes share its
/// database, and every node ends with the same projections. What only a SQLite file can do is
/// refused on it with a code of its own, and nothing shows its database password.
@Suite("A hub on PostgreSQL in a federation of serve processes", .serialized)
struct HubNodeTests {
  static func status(_ node: NodeProcess) async throws -> (vector: [String: Int], projection: String) {
    let status = try await node.status()
    return (
      (status["versionVector"] as? [String: Int]) ?? [:], status["projectionDigest"] as? String ?? "?"
    )
  }

  @Test(
    "jjj and yrd sync through a hub on PostgreSQL served by two processes: every lead and file reaches every node, and all three hold the same projections"
  )
  func threeNodesThroughAHub() async throws {
    let postgres = try await PostgreSQLServer()
    defer { postgres.stop() }
    try postgres.createDatabase("hub")
    let seaweed = try await SeaweedFS()
    defer { seaweed.stop() }
    let federation = try TestFederation(label: "hub", nodes: ["hub", "jjj", "yrd"])
    let url = postgres.url(database: "hub")
    let hub = try await NodeProcess("hub", federation: federation, initOptions: ["--store", url])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try seaweed.configure(hub.data, prefix: "hub")
    // The log is in PostgreSQL, not in the folder; node.json holds the password, so only the
    // node's user may read it.
    #expect(!FileManager.default.fileExists(atPath: hub.data.appendingPathComponent("liandong.sqlite").path))
    let mode =
      try FileManager.default.attributesOfItem(
        atPath: hub.data.appendingPathComponent("node.json").path)[.posixPermissions] as? Int
    #expect(mode == 0o600, "node.json mode \(String(mode ?? 0, radix: 8))")

    // A second serve process of the hub runs from a copy of its folder, on the same database.
    let hubCopy = temporaryDirectory("hub-second")
    try FileManager.default.removeItem(at: hubCopy)
    try FileManager.default.copyItem(at: hub.data, to: hubCopy)
    let hubSecond = NodeProcess(existing: "hub", data: hubCopy)
    let all = [hub, hubSecond, jjj, yrd]
    for node in all { try await node.serve() }
    defer { for node in all { _ = node.stop() } }
    #expect(hub.log.contains("hub: the log is kept in PostgreSQL"), "\(hub.log.prefix(2000))")
    try await hub.introduce(to: jjj, yrd)
    // jjj dials the first process, yrd the second, and the hub dials nobody: what passes
    // between them passes through the one database.
    try await jjj.cli("peer", "add", "hub", "127.0.0.1:\(hub.port)")
    try await yrd.cli("peer", "add", "hub", "127.0.0.1:\(hubSecond.port)")

    let fromJJJ = try await jjj.addLead(subject: "速通检测服务店", summary: "伪造检验报告", to: "all")
    let fromYRD = try await yrd.addLead(subject: "某认证代办", summary: "forged CCC", to: "all")
    let fromHub = try await hub.addLead(subject: "某电商店铺", summary: "province-wide", to: "all")
    let folder = temporaryDirectory("hub-evidence")
    let listing = randomBytes(900_000, seed: 71)
    try listing.write(to: folder.appendingPathComponent("listing.png"))
    let added = try await jjj.cli(
      "evidence", "add", fromJJJ, folder.appendingPathComponent("listing.png").path, "--category",
      "electronic-data", "--how-fixed", "screenshot")
    #expect(added.status == 0, "\(added)")

    for node in [hub, jjj, yrd] {
      for lead in [fromJJJ, fromYRD, fromHub] {
        #expect(
          try await eventually(60) { try await node.cli("lead", "show", lead).status == 0 },
          "\(node.name) never saw \(lead): \(node.log.suffix(1500))")
      }
    }
    // jjj's file reaches the bucket through the hub, and yrd's disk from there.
    let hex = SHA256.hash(listing).hex
    #expect(
      try await eventually(60) { try seaweed.object("hub/\(hex.prefix(2))/\(hex)") == listing },
      "the hub never stored jjj's file in the bucket: \(hub.log.suffix(1500))")
    let yrdCopy = yrd.data.appendingPathComponent("blobs/\(hex.prefix(2))/\(hex)")
    #expect(
      await eventually(60) { (try? Data(contentsOf: yrdCopy)) == listing },
      "yrd never received jjj's file: \(yrd.log.suffix(1500))")

    // Once they hold the same changes, the fold gives the same projections on both engines.
    var last: [(vector: [String: Int], projection: String)] = []
    let converged = try await eventually(60) {
      last = []
      for node in [hub, jjj, yrd] { last.append(try await Self.status(node)) }
      return last[0].vector.keys.sorted() == ["hub", "jjj", "yrd"]
        && last.allSatisfy { $0.vector == last[0].vector }
        && Set(last.map(\.projection)).count == 1 && last[0].projection.count == 64
    }
    #expect(converged, "not converged: \(last)")
    #expect(try await Self.status(hubSecond).projection == last.first?.projection)
  }

  @Test(
    "on a hub, doctor and check-config name the database without its password; backup and restore refuse with their codes; init refuses a database in use and a store that is not PostgreSQL"
  )
  func whatAHubRefusesAndShows() async throws {
    let postgres = try await PostgreSQLServer()
    defer { postgres.stop() }
    try postgres.createDatabase("hub")
    let federation = try TestFederation(label: "hubcli", nodes: ["hub", "yrd"])
    let url = postgres.url(database: "hub")
    let hub = try await NodeProcess("hub", federation: federation, initOptions: ["--store", url])
    let shown = "postgresql://\(PostgreSQLServer.user)@127.0.0.1:\(postgres.port)/hub"

    let doctor = try await hub.cli("doctor", "--sample", "0", "--no-peers", "--json")
    #expect(doctor.stdout.contains("the PostgreSQL database answers (\(shown))"), "\(doctor)")
    #expect(doctor.stdout.contains("hub-evidence"), "evidence on the disk is named: \(doctor)")
    let check = try await hub.cli("serve", "--check-config")
    #expect(check.stdout.contains("store: PostgreSQL at \(shown)"), "\(check)")
    for output in [doctor.stdout + doctor.stderr, check.stdout + check.stderr] {
      #expect(!output.contains(PostgreSQLServer.password), "the password is shown: \(output)")
    }
    // What SQLite's file alone can do.
    let backup = try await hub.cli(
      "backup", "--out", temporaryDirectory("hub-backup").appendingPathComponent("b.tar").path)
    #expect(backup.failed(with: "backup.hub"), "\(backup)")
    #expect(backup.stderr.contains("pg_basebackup"), "the remedy names PostgreSQL's tools: \(backup)")

    // The console's node page names the database, and offers no file backup.
    try await hub.accounts([("wang.op", "operator", "correct horse battery")])
    let base = try await hub.serveAPI()
    defer { _ = hub.stop() }
    let page = try ConsoleVisit.loggedIn(base, "wang.op", "correct horse battery").get("/console/node")
    #expect(page.status == 200 && page.body.contains(shown) && page.body.contains("pg_basebackup"), "\(page)")
    #expect(!page.body.contains("start-backup") && !page.body.contains(PostgreSQLServer.password))

    // A second init on the same database, and a store that is not PostgreSQL: refused, nothing made.
    let files = federation.files("yrd")
    func initYRD(_ store: String) async throws -> (ProcessResult, URL) {
      let folder = temporaryDirectory("hub-init")
      let result = try await run(
        liandongBinary.path,
        [
          "init", "--data", folder.path, "--node", "yrd", "--ca", federation.caURL.path, "--crl",
          federation.crlURL.path, "--cert", files.certificate.path, "--key", files.key.path, "--store",
          store,
        ])
      return (result, folder)
    }
    let (inUse, inUseFolder) = try await initYRD(url)
    #expect(inUse.failed(with: "init.store-in-use"), "\(inUse)")
    #expect(inUse.stderr.contains("hub"), "names whose changes it holds: \(inUse)")
    #expect(!FileManager.default.fileExists(atPath: inUseFolder.appendingPathComponent("node.json").path))
    let (notPostgres, _) = try await initYRD("sqlite:///var/lib/x.db")
    #expect(notPostgres.failed(with: "init.store"), "\(notPostgres)")
    // A database that does not exist, and a wrong password: PostgreSQL's refusals, with their codes.
    let (missing, _) = try await initYRD(postgres.url(database: "nosuch"))
    #expect(missing.failed(with: "store.postgres-no-database"), "\(missing)")
    let (refused, _) = try await initYRD(postgres.url(database: "hub", password: "wrong"))
    #expect(refused.failed(with: "store.postgres-refused"), "\(refused)")
    #expect(!refused.stderr.contains("wrong"), "the password given is not shown: \(refused)")
  }
}
