import Foundation

/// A hub's PostgreSQL cluster as `Deploy/hub/` describes it, on loopback: etcd, two or more
/// PostgreSQL members run by Patroni (a primary and a synchronous standby), and HAProxy routing
/// to the primary. Made from the files in `Deploy/hub/` with their `${...}` filled in, so that
/// the example configuration is what is tested (and measured: `liandong-bench b12`). As root, the
/// members run as `postgres`.
public final class PatroniCluster: @unchecked Sendable {
  public static let superuserPassword = "hub-superuser-secret"
  public let folder: URL
  public let haproxyPort: Int
  private let etcd: ChildProcess
  private var haproxy: ChildProcess?
  private var members: [Member] = []

  struct Member {
    let name: String
    let pgPort: Int
    let restPort: Int
    let config: URL
    var process: ChildProcess?
  }

  /// The URL a node's `store` would hold: HAProxy's listener.
  public func url(database: String) -> String {
    "postgresql://liandong:\(Self.superuserPassword)@127.0.0.1:\(haproxyPort)/\(database)?connect_timeout=5"
  }

  public init(members count: Int = 2) async throws {
    guard let bin = PostgreSQLServer.binaries,
      FileManager.default.isExecutableFile(atPath: "/usr/bin/patroni"),
      FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd"),
      FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy")
    else {
      throw PostgreSQLServer.Failure("Patroni, etcd or HAProxy is missing: run scripts/ensure-deps")
    }
    PostgreSQLLeftovers.sweep()
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      PostgreSQLLeftovers.clusterPrefix + UUID().uuidString.prefix(8))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try PostgreSQLLeftovers.claim(folder)
    if getuid() == 0 {
      _ = await (try? ChildProcess("/bin/chown", ["postgres:postgres", folder.path]))?.wait()
      try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
    }
    var ports: [Int] = []
    while ports.count < 3 + 2 * count {
      let port = try freeLoopbackPort()
      if !ports.contains(port) { ports.append(port) }
    }
    let (etcdClient, etcdPeer) = (ports[0], ports[1])
    haproxyPort = ports[2]
    etcd = try ChildProcess(
      PostgreSQLServer.asServerUser[0],
      Array(PostgreSQLServer.asServerUser.dropFirst()) + [
        "/usr/bin/etcd", "--name", "e1", "--data-dir", folder.appendingPathComponent("etcd").path,
        "--enable-v2=true", "--listen-client-urls", "http://127.0.0.1:\(etcdClient)",
        "--advertise-client-urls", "http://127.0.0.1:\(etcdClient)", "--listen-peer-urls",
        "http://127.0.0.1:\(etcdPeer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(etcdPeer)",
        "--initial-cluster", "e1=http://127.0.0.1:\(etcdPeer)",
      ])
    // Whatever fails from here, nothing started is left running.
    do {
      let template = try String(contentsOf: Self.deployFile("patroni.yml"), encoding: .utf8)
      let folder = self.folder
      members = try (0..<count).map { index in
        let name = "pg\(index + 1)"
        let config = folder.appendingPathComponent("\(name).yml")
        try Self.fill(
          template,
          [
            "MEMBER": name, "MEMBER_HOST": "127.0.0.1", "REST_PORT": "\(ports[3 + 2 * index])",
            "ETCD_HOSTS": "127.0.0.1:\(etcdClient)", "CLIENTS": "127.0.0.1/32",
            "PG_PORT": "\(ports[4 + 2 * index])", "DATA_DIR": folder.appendingPathComponent(name).path,
            "PG_BIN": bin, "SUPERUSER_PASSWORD": Self.superuserPassword,
            "REPLICATION_PASSWORD": "hub-replication-secret", "SOCKET_DIR": folder.path,
          ]
        ).write(to: config, atomically: true, encoding: .utf8)
        return Member(
          name: name, pgPort: ports[4 + 2 * index], restPort: ports[3 + 2 * index], config: config,
          process: nil
        )
      }
      if getuid() == 0 {
        _ = await (try? ChildProcess("/bin/chown", ["-R", "postgres:postgres", folder.path]))?.wait()
      }
      // The first member bootstraps the cluster and leads; the others clone it and follow.
      try startMember(0)
      guard await Self.eventually(90, { self.role(of: 0) == "leader" }) else {
        throw failure("the first member did not become the primary")
      }
      for index in 1..<count { try startMember(index) }
      // Ready once a standby is synchronous: until then a commit is acknowledged before any
      // standby has it, and Patroni may promote a standby that lacks it.
      guard
        await Self.eventually(
          120,
          {
            let roles = (1..<count).map { self.role(of: $0) }
            return roles.contains("sync_standby")
              && roles.allSatisfy { ["sync_standby", "replica"].contains($0) }
          })
      else { throw failure("no standby became synchronous") }
      let haproxyConfig = folder.appendingPathComponent("haproxy.cfg")
      var routes = try String(contentsOf: Self.deployFile("haproxy.cfg"), encoding: .utf8)
      // The example names two members; a cluster of more gets a line for each.
      let serverLine =
        routes.split(separator: "\n").first { $0.contains("${MEMBER_1}") }.map(String.init) ?? ""
      routes = routes.replacingOccurrences(
        of: routes.split(separator: "\n").first { $0.contains("${MEMBER_2}") }.map { String($0) + "\n" }
          ?? "",
        with: "")
      routes = routes.replacingOccurrences(
        of: serverLine,
        with: members.map { member in
          Self.fill(
            serverLine,
            [
              "MEMBER_1": member.name, "MEMBER_1_PG": "127.0.0.1:\(member.pgPort)",
              "MEMBER_1_REST_PORT": "\(member.restPort)", "MEMBER_1_HOST": "127.0.0.1",
            ])
        }.joined(separator: "\n"))
      try Self.fill(routes, ["LISTEN": "127.0.0.1:\(haproxyPort)"]).write(
        to: haproxyConfig, atomically: true, encoding: .utf8)
      haproxy = try ChildProcess("/usr/sbin/haproxy", ["-f", haproxyConfig.path, "-db"])
      // HAProxy counts every member up until its first checks: ready once ten connections in a row
      // reach the primary.
      var inARow = 0
      guard
        await Self.eventually(
          60,
          {
            let primary = (try? self.psql("SELECT pg_is_in_recovery()", port: self.haproxyPort)) == "f"
            inARow = primary ? inARow + 1 : 0
            return inARow >= 10
          })
      else { throw failure("HAProxy did not route to the primary") }
    } catch {
      stop()
      throw error
    }
  }

  /// Which member leads now (nil while none does).
  public var leader: Int? { members.indices.first { role(of: $0) == "leader" } }

  /// The member's role in the cluster's view, as its own REST API reports it ("leader",
  /// "sync_standby", "replica"); nil when it does not answer.
  public func role(of index: Int) -> String? {
    guard
      let answer = try? Self.run(
        "/usr/bin/curl", ["-sf", "--max-time", "2", "http://127.0.0.1:\(members[index].restPort)/cluster"],
        timeout: 10),
      answer.status == 0,
      let json = try? JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any],
      let entries = json["members"] as? [[String: Any]],
      let mine = entries.first(where: { $0["name"] as? String == members[index].name })
    else { return nil }
    return mine["role"] as? String
  }

  /// The machine of member `index` loses power: Patroni and PostgreSQL killed at once.
  public func kill9(_ index: Int) {
    let config = members[index].config.path
    var victims = PostgreSQLLeftovers.processes { $0.contains(config) }
    if let pid = postmasterPID(index) { victims.append(pid) }
    for pid in victims { kill(pid, SIGKILL) }
    members[index].process?.wait(timeout: 10)
    members[index].process = nil
  }

  public func startMember(_ index: Int) throws {
    members[index].process = try ChildProcess(
      PostgreSQLServer.asServerUser[0],
      Array(PostgreSQLServer.asServerUser.dropFirst()) + ["/usr/bin/patroni", members[index].config.path])
  }

  /// Runs SQL as the superuser through `psql` at a port (HAProxy's, or a member's).
  @discardableResult
  public func psql(_ sql: String, port: Int, database: String = "postgres") throws -> String {
    let result = try Self.run(
      "\(PostgreSQLServer.binaries!)/psql",
      [
        "-h", "127.0.0.1", "-p", "\(port)", "-U", "liandong", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc",
        sql,
      ], environment: ["PGPASSWORD": Self.superuserPassword, "PGCONNECT_TIMEOUT": "3"], timeout: 30)
    guard result.status == 0 else { throw PostgreSQLServer.Failure("psql failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  public func pgPort(of index: Int) -> Int { members[index].pgPort }

  /// Stops everything it started: the members (PostgreSQL with them), HAProxy, etcd; removes
  /// the folder.
  public func stop() {
    // To Patroni itself: runuser, between, would kill it two seconds after passing the signal on.
    for index in members.indices {
      let config = members[index].config.path
      for pid in PostgreSQLLeftovers.processes({ $0.contains(config) && $0.contains("python") }) {
        kill(pid, SIGTERM)
      }
    }
    for index in members.indices { members[index].process?.wait(timeout: 30) }
    haproxy?.signal(SIGTERM)
    haproxy?.wait(timeout: 10)
    etcd.signal(SIGTERM)
    etcd.wait(timeout: 10)
    for index in members.indices { if let pid = postmasterPID(index) { kill(pid, SIGKILL) } }
    try? FileManager.default.removeItem(at: folder)
  }

  private func postmasterPID(_ index: Int) -> pid_t? {
    let data = folder.appendingPathComponent(members[index].name)
    guard let pid = PostgreSQLServer.postmasterPID(dataDirectory: data), kill(pid, 0) == 0 else { return nil }
    return pid
  }

  private func failure(_ what: String) -> PostgreSQLServer.Failure {
    let logs = members.compactMap { $0.process?.stderr.suffix(1500) }.joined(separator: "\n---\n")
    let router =
      haproxy.map { "haproxy (exit \($0.status.map(String.init) ?? "none yet")): \($0.stderr.suffix(800))" }
      ?? ""
    return PostgreSQLServer.Failure("\(what)\n\(logs)\netcd: \(etcd.stderr.suffix(800))\n\(router)")
  }

  private static func fill(_ template: String, _ values: [String: String]) -> String {
    values.reduce(template) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
  }

  private static func deployFile(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Deploy/hub/\(name)")
  }

  /// Whether `condition` holds within `seconds`, asked every tenth of a second.
  private static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows
    -> Bool
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try await condition() { return true }
      try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
  }

  /// Runs a program to its end (at most `timeout` seconds): its status and output.
  private static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double
  ) throws -> (status: Int32, stdout: String, stderr: String) {
    let child = try ChildProcess(executable, arguments, environment: environment)
    let status = child.wait(timeout: timeout)
    return (status, child.stdout, child.stderr)
  }

}
