import Foundation

/// A real PostgreSQL (Debian's `postgresql` package): a cluster made by `initdb` in a throwaway
/// folder, listening on a loopback port of its own and a socket in that folder, with a superuser
/// who logs in over TCP with a password (SCRAM), as a hub's node does. As root, the server runs as
/// the `postgres` user (it refuses to run as root). `stop` ends it and removes the folder. The
/// tests' server, and the benchmarks' (B11).
public final class PostgreSQLServer: @unchecked Sendable {
  public static let user = "liandong"
  public static let password = "pg-secret-for-tests"
  public let folder: URL
  public let port: Int
  private let process: ChildProcess

  /// Why a server could not be started or used.
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
  }

  /// A URL for database `name` on this server, as `node.json`'s `store` would hold it.
  public func url(
    database: String, user: String = PostgreSQLServer.user, password: String = PostgreSQLServer.password
  ) -> String {
    "postgresql://\(user):\(password)@127.0.0.1:\(port)/\(database)"
  }

  /// With `certificate`, the server also speaks TLS (clients choose with `sslmode`); `settings`
  /// are passed as `-c name=value` (a benchmark's memory, as a hub's operator would size it).
  public init(certificate: (pem: URL, key: URL)? = nil, settings: [String: String] = [:]) async throws {
    guard let bin = Self.binaries else {
      throw Failure(
        "PostgreSQL's server is not installed: run scripts/ensure-deps (apt-get install postgresql)")
    }
    PostgreSQLLeftovers.sweep()
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      PostgreSQLLeftovers.serverPrefix + UUID().uuidString.prefix(8))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try PostgreSQLLeftovers.claim(folder)
    let passwordFile = folder.appendingPathComponent("password")
    try Data(Self.password.utf8).write(to: passwordFile)
    var tls: [String] = []
    if let certificate {
      let (pem, key) = (
        folder.appendingPathComponent("server.pem"), folder.appendingPathComponent("server.key")
      )
      try FileManager.default.copyItem(at: certificate.pem, to: pem)
      try FileManager.default.copyItem(at: certificate.key, to: key)
      // PostgreSQL refuses a key others may read.
      try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
      tls = ["-c", "ssl=on", "-c", "ssl_cert_file=\(pem.path)", "-c", "ssl_key_file=\(key.path)"]
    }
    if getuid() == 0 {
      _ = await Self.run("/bin/chown", ["-R", "postgres:postgres", folder.path])
      try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
    }
    let data = folder.appendingPathComponent("data").path
    let made = await Self.run(
      Self.asServerUser[0],
      Array(Self.asServerUser.dropFirst()) + [
        "\(bin)/initdb", "-D", data, "-U", Self.user, "--pwfile=\(passwordFile.path)", "-E", "UTF8",
        "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
      ])
    guard made.status == 0 else { throw Failure("initdb failed: \(made.stderr.suffix(1500))") }
    port = try freeLoopbackPort()
    process = try ChildProcess(
      Self.asServerUser[0],
      Array(Self.asServerUser.dropFirst()) + [
        "\(bin)/postgres", "-D", data, "-p", "\(port)", "-k", folder.path, "-c", "listen_addresses=127.0.0.1",
        "-c", "fsync=on", "-c", "synchronous_commit=on",
      ] + tls + settings.sorted { $0.key < $1.key }.flatMap { ["-c", "\($0.key)=\($0.value)"] })
    let isReady = ["-h", "127.0.0.1", "-p", "\(port)", "-q"]
    // Asked again until it answers, for at most a minute.
    let deadline = Date().addingTimeInterval(60)
    while await Self.run("\(bin)/pg_isready", isReady).status != 0 {
      guard Date() < deadline else {
        stop()
        throw Failure("PostgreSQL did not start: \(process.stderr.suffix(1500))")
      }
      try await Task.sleep(for: .milliseconds(200))
    }
  }

  /// What the server has logged so far (its standard error): with `auto_explain` among its
  /// settings, the plans of the statements it ran.
  public var log: String { process.stderr }

  /// Makes database `name` (UTF-8 unless told otherwise) through the superuser's socket.
  public func createDatabase(_ name: String, encoding: String = "UTF8", characterType: String = "C.UTF-8")
    throws
  {
    try psql(
      "CREATE DATABASE \(name) ENCODING '\(encoding)' LC_COLLATE 'C' LC_CTYPE '\(characterType)' TEMPLATE template0"
    )
  }

  /// Runs SQL as the superuser with `psql`, a client nobody here wrote; ended after `timeout`
  /// seconds (a benchmark's generated rows take longer than a test's statements).
  @discardableResult
  public func psql(_ sql: String, database: String = "postgres", timeout: Double = 120) throws -> String {
    let child = try ChildProcess(
      "\(Self.binaries!)/psql",
      [
        "-h", folder.path, "-p", "\(port)", "-U", Self.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc",
        sql,
      ])
    let started = Date()
    guard child.wait(timeout: timeout) == 0 else {
      let ended = Date().timeIntervalSince(started) >= timeout ? " (ended after \(Int(timeout)) s)" : ""
      throw Failure("psql failed\(ended): \(child.stderr)")
    }
    return child.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Stops the server (a fast shutdown: sessions are ended, nothing committed is lost) and
  /// removes its folder.
  public func stop() {
    // To the server itself: runuser, between, would pass a smart shutdown on, which waits for
    // every client to leave.
    if let pid = serverPID { kill(pid, SIGINT) } else { process.signal(SIGINT) }
    process.wait(timeout: 30)
    try? FileManager.default.removeItem(at: folder)
  }

  private var serverPID: pid_t? { Self.postmasterPID(dataDirectory: folder.appendingPathComponent("data")) }

  /// The postmaster's process ID, from the first line of the pid file in its data directory.
  public static func postmasterPID(dataDirectory: URL) -> pid_t? {
    let file = dataDirectory.appendingPathComponent("postmaster.pid")
    return (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").first.flatMap {
      pid_t($0)
    }
  }

  /// The folder of PostgreSQL's programs: Debian's newest installed major version.
  public static var binaries: String? {
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
    return versions.compactMap(Int.init).sorted().last.map { "/usr/lib/postgresql/\($0)/bin" }
  }

  /// How the server's programs are started: as `postgres` when the tests run as root.
  public static var asServerUser: [String] {
    getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : ["/usr/bin/env"]
  }

  /// A program run to its end: its status and what it wrote to stderr (a failed start's reason).
  private static func run(_ executable: String, _ arguments: [String]) async -> (
    status: Int32, stderr: String
  ) {
    guard let child = try? ChildProcess(executable, arguments) else {
      return (-1, "could not start \(executable)")
    }
    return (await child.wait(), child.stderr)
  }
}

/// A loopback port that was free a moment ago.
public func freeLoopbackPort() throws -> Int {
  let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(descriptor) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let bound = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
      bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
    }
  }
  guard bound else { throw PostgreSQLServer.Failure("no free loopback port") }
  return Int(UInt16(bigEndian: address.sin_port))
}
