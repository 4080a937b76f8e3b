import Foundation
import LiandongCore
import LiandongProtocol
import LiandongTesting
import Testing

@testable import LiandongStore

@Suite("node.json configuration and serve --check-config", .serialized)
struct ConfigTests {
  @Test("the example files of Deploy/config parse, and name every documented key")
  func examples() throws {
    for node in ["jjj", "yrd", "prd"] {
      let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Deploy/config/\(node).json"))
      let configuration = try JSONDecoder().decode(NodeConfiguration.self, from: data)
      #expect(configuration.node == node && configuration.serve?.listen == "0.0.0.0:7420")
      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
      #expect(Set(object.keys).isSubset(of: NodeConfiguration.knownKeys))
    }
  }

  @Test(
    "a certificate that expires within 30 days and a calendar that cannot count this year are warnings: check-config passes, so the node starts"
  )
  func warningsLetTheNodeStart() async throws {
    let federation = try TestFederation(label: "config-warnings", nodes: ["yrd"])
    let now = Date()
    try federation.issue("yrd", start: certificateDate(now - 86_400), end: certificateDate(now + 10 * 86_400))
    let yrd = try await NodeProcess("yrd", federation: federation)
    // A calendar whose last year has passed, as the built-in one is on the 1st of January until
    // the next year's schedule is added.
    let calendar = yrd.data.appendingPathComponent("calendar-past.json")
    try Data(#"{"years": {"2020": {"holidays": ["2020-10-01"], "makeup_workdays": []}}}"#.utf8).write(
      to: calendar)
    try yrd.editConfiguration { $0["calendar"] = calendar.path }
    let checked = try await yrd.cli("serve", "--check-config")
    #expect(checked.status == 0, "\(checked)")
    let lines = checked.stdout.split(separator: "\n")
    #expect(
      lines.contains { $0.hasPrefix("WARNING certificate of yrd") && $0.contains("rotate it soon") },
      "\(checked)")
    #expect(
      lines.contains {
        $0.hasPrefix("WARNING working-day calendar") && $0.contains("covers 2020-2020")
          && $0.contains("schedule from the State Council's notice is added")
      }, "\(checked)")
    let json = try await yrd.cli("serve", "--check-config", "--json")
    let findings = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["findings"]
        as? [[String: Any]])
    let calendarFinding = try #require(
      findings.first { ($0["what"] as? String)?.contains("calendar") == true })
    #expect(calendarFinding["level"] as? String == "warning" && calendarFinding["ok"] as? Bool == true)
  }

  @Test(
    "check-config explains each setting's source; command-line options override the file; mistakes are named")
  func checkConfig() async throws {
    let federation = try TestFederation(label: "config", nodes: ["yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    try yrd.countWithCalendarAhead()
    try yrd.editConfiguration {
      $0["serve"] = ["listen": "127.0.0.1:0", "intervalSeconds": 5, "allow": ["jjj", "prd"]]
    }
    let checked = try await yrd.cli("serve", "--check-config", "--log-level", "debug")
    #expect(checked.status == 0, "\(checked)")
    func row(_ setting: String) -> [Substring] {
      checked.stdout.split(separator: "\n").first { $0.hasPrefix(setting + " ") }?.split(separator: " ") ?? []
    }
    #expect(row("intervalSeconds") == ["intervalSeconds", "5.0", "node.json"], "\(checked)")
    #expect(row("scrubMiBPerSecond") == ["scrubMiBPerSecond", "8.0", "default"], "\(checked)")
    #expect(row("logLevel") == ["logLevel", "debug", "command", "line"], "\(checked)")
    #expect(row("batchBytes") == ["batchBytes", "1572864", "default"])
    // The store's default is the protocol's, which it cannot import.
    #expect(ServeSettings.defaults.batchBytes == SyncSession.defaultBatchBytes)
    #expect(row("allow") == ["allow", "jjj,prd", "node.json"])
    #expect(checked.stdout.contains("certificate of yrd chains to the CA"))

    // serve takes its listen address and interval from the file, with no options.
    let server = try ChildProcess(liandongBinary.path, ["serve", "--data", yrd.data.path])
    #expect(await server.waitForOutput("serving node yrd on 127.0.0.1:", timeout: 20), "\(server.stderr)")
    server.signal(SIGTERM)
    #expect(await server.wait(timeout: 20) == 0)

    try yrd.editConfiguration { $0["servee"] = ["listen": "x"] }
    let typo = try await yrd.cli("serve", "--check-config")
    #expect(typo.status == 1 && typo.stdout.contains("PROBLEM node.json: unknown key 'servee'"), "\(typo)")
    try yrd.editConfiguration {
      $0.removeValue(forKey: "servee")
      $0["serve"] = ["logLevel": "loud"]
    }
    let level = try await yrd.cli("serve", "--check-config")
    #expect(
      level.failed(with: "config.log-level") && level.stderr.contains("node.json"))
    let scrub = try await yrd.cli("serve", "--check-config", "--log-level", "info", "--scrub-rate=-1")
    #expect(scrub.failed(with: "config.scrub-rate") && scrub.stderr.contains("command line"), "\(scrub)")
    try yrd.editConfiguration { $0["serve"] = ["listen": "nowhere"] }
    let listen = try await yrd.cli("serve")
    #expect(listen.failed(with: "config.listen"), "\(listen)")
    try yrd.editConfiguration {
      $0["serve"] = [:]
      $0["calendar"] = "/nonexistent/calendar.json"
    }
    let calendar = try await yrd.cli("serve", "--check-config")
    #expect(calendar.status == 1 && calendar.stdout.contains("PROBLEM working-day calendar"), "\(calendar)")
    // A negative limit or interval is named, not trapped on.
    for (key, value) in [
      ("maximumDriftSeconds", -5.0), ("checkpointSeconds", -1.0), ("storeConnections", -1.0),
    ] {
      try yrd.editConfiguration {
        $0.removeValue(forKey: "calendar")
        $0["maximumDriftSeconds"] = key == "maximumDriftSeconds" ? Int(value) : 300
        $0["checkpointSeconds"] = key == "checkpointSeconds" ? value : 60
        $0["storeConnections"] = key == "storeConnections" ? Int(value) : nil
      }
      let negative = try await yrd.cli("status")
      #expect(
        negative.failed(with: "node.bad-config") && negative.stderr.contains("'\(key)' is -")
          && negative.stderr.contains("must be"), "\(negative)")
    }
  }

  @Test(
    "the systemd unit verifies, and systemd rates its exposure low",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
  func systemdUnit() throws {
    let unit = try String(
      contentsOf: repositoryRoot.appendingPathComponent("Deploy/systemd/liandong.service"), encoding: .utf8)
    for directive in [
      "User=liandong", "StateDirectory=liandong", "ProtectSystem=strict", "NoNewPrivileges=yes",
      "Restart=on-failure",
    ] {
      #expect(unit.contains("\n\(directive)\n"), "\(directive) is missing")
    }
    // verify checks that ExecStart exists: point it at a binary this machine has.
    let copy = temporaryDirectory("unit").appendingPathComponent("liandong.service")
    try unit.replacingOccurrences(of: "/usr/local/bin/liandong", with: liandongBinary.path).write(
      to: copy, atomically: true, encoding: .utf8)
    let verify = try run("systemd-analyze", ["verify", copy.path])
    #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify)")
    let security = try run("systemd-analyze", ["security", "--offline=yes", copy.path])
    let level = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }
    let score = level.flatMap { Double($0.split(separator: ":").last?.split(separator: " ").first ?? "") }
    #expect((score ?? 10) < 3.0, "\(security.stdout.suffix(300))")
  }

  @Test(
    "the daily doctor timer and its service verify, and the service is as hardened as the node",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
  func doctorTimer() throws {
    let folder = temporaryDirectory("doctor-unit")
    for name in ["liandong-doctor.service", "liandong-doctor.timer"] {
      let unit = try String(
        contentsOf: repositoryRoot.appendingPathComponent("Deploy/systemd/\(name)"), encoding: .utf8)
      try unit.replacingOccurrences(of: "/usr/local/bin/liandong", with: liandongBinary.path).write(
        to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    let service = folder.appendingPathComponent("liandong-doctor.service").path
    let verify = try run(
      "systemd-analyze", ["verify", service, folder.appendingPathComponent("liandong-doctor.timer").path])
    #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify)")
    let text = try String(contentsOfFile: service, encoding: .utf8)
    #expect(text.contains("\(liandongBinary.path) doctor\n") && text.contains("\nSuccessExitStatus=1\n"))
    let security = try run("systemd-analyze", ["security", "--offline=yes", service])
    let level = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }
    let score = level.flatMap { Double($0.split(separator: ":").last?.split(separator: " ").first ?? "") }
    #expect((score ?? 10) < 3.0, "\(security.stdout.suffix(300))")
  }
}

@Suite("A hub's store URL as node.json holds it")
struct StoreLocationTests {
  @Test("shown without its password, whether in the user information or a parameter; the rest kept")
  func withoutPassword() throws {
    let cases = [
      ("postgresql://liandong:s3cr:et@10.0.0.5:5000/hub", "postgresql://liandong@10.0.0.5:5000/hub"),
      (
        "postgres://hub@db.gd.example/hub?sslmode=verify-full&password=x&sslrootcert=/etc/ca.pem",
        "postgres://hub@db.gd.example/hub?sslmode=verify-full&sslrootcert=/etc/ca.pem"
      ),
      ("postgresql://liandong@127.0.0.1:5432/hub", "postgresql://liandong@127.0.0.1:5432/hub"),
      ("postgresql:///hub?host=/var/run/postgresql", "postgresql:///hub?host=/var/run/postgresql"),
      ("postgresql://a:b@h1:5432,h2:5432/hub?password=c", "postgresql://a@h1:5432,h2:5432/hub"),
    ]
    for (url, shown) in cases {
      let location = StoreLocation.postgres(url: url)
      #expect(location.shown == shown, "\(url)")
      #expect(location.carriesPassword == (url != shown), "\(url)")
    }
  }

  @Test("a store that is not a PostgreSQL URL makes node.json unreadable, with what to write instead")
  func notPostgres() throws {
    for store in ["sqlite:///x.db", "/var/lib/liandong/hub.db", "host=db dbname=hub"] {
      let json = #"{"node": "hub", "store": "\#(store)"}"#
      let configuration = try JSONDecoder().decode(NodeConfiguration.self, from: Data(json.utf8))
      #expect(configuration.problem?.contains("postgresql://USER@HOST:PORT/DATABASE") == true, "\(store)")
    }
    let absent = try JSONDecoder().decode(NodeConfiguration.self, from: Data(#"{"node": "yrd"}"#.utf8))
    #expect(absent.storeLocation == .sqlite && absent.problem == nil)
  }
}

extension NodeProcess {
  /// Rewrites the node's node.json with `change` applied to its JSON object.
  func editConfiguration(_ change: (inout [String: Any]) -> Void) throws {
    let file = data.appendingPathComponent("node.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
    change(&object)
    try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: file)
  }
}
