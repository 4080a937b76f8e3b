import Foundation
import LiandongCore
import LiandongTesting
import Testing

@testable import LiandongStore

/// A hub's store on a real PostgreSQL (started here by `initdb` under a temp folder): what it
/// says when the server cannot be used, its schema steps, transactions run again after a
/// deadlock, and the roles it implements, held to the SQLite store's behaviour.
/// The node a hub's store in these tests belongs to.
let hubNode = try! NodeID("hub")

@Suite("Hub store on PostgreSQL (a real server)", .serialized)
struct PostgresStoreTests {
  @Test("a server that cannot be used is named with what to do, never with the password")
  func unusableServersAreSaidSo() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    try server.createDatabase("latin", encoding: "SQL_ASCII", characterType: "C")
    // A role's connection limit reached is refused as a full server is (SQLSTATE 53300).
    try server.psql("CREATE ROLE crowd LOGIN PASSWORD 'crowd-pw' CONNECTION LIMIT 0")
    let crowded = server.url(database: "hub", user: "crowd", password: "crowd-pw")
    let cases: [(code: String, url: String, says: String)] = [
      ("store.postgres-unreachable", "postgresql://liandong:pw@127.0.0.1:\(try freePort())/hub", "refused"),
      ("store.postgres-refused", server.url(database: "hub", password: "wrong-password"), "liandong"),
      ("store.postgres-no-database", server.url(database: "nowhere"), "nowhere"),
      ("store.postgres-not-utf8", server.url(database: "latin"), "SQL_ASCII"),
      ("store.postgres-full", crowded, "too many connections"),
    ]
    for (code, url, says) in cases {
      do {
        _ = try PostgresStore(url: url, node: hubNode)
        Issue.record("\(code): opened")
      } catch let error as PostgresError {
        #expect(error.code == code, "\(error)")
        #expect(error.description.contains(says), "\(error)")
        #expect(
          !error.description.contains("wrong-password")
            && !error.description.contains(PostgreSQLServer.password))
        // libpq's preamble and hints are not for a person.
        #expect(!error.description.contains("connection to server at"), "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
        #expect(error.category == .unavailable || code == "store.postgres-not-utf8")
      }
    }
    let connection = try PostgresConnection(server.url(database: "hub"))
    #expect(throws: PostgresError.self) { try connection.execute("SELECT * FROM no_such_table") }
    #expect(thrownCode { try connection.execute("SELECT * FROM no_such_table") } == "store.postgres-failed")
    // A standby refuses writes as a read-only transaction does (SQLSTATE 25006).
    try connection.execute("SET default_transaction_read_only = on")
    let standby = thrownCode { try connection.execute("CREATE TABLE t (x integer)") }
    #expect(standby == "store.postgres-standby")
  }

  @Test(
    "over TLS (libpq on the system OpenSSL): the server's certificate checked against the CA and the host")
  func overTLS() async throws {
    let federation = try TestFederation(label: "pg-tls", nodes: ["hub"])
    let certificate = try federation.issue("database", hosts: ["127.0.0.1"])
    let server = try await PostgreSQLServer(certificate: (certificate.certificate, certificate.key))
    defer { server.stop() }
    try server.createDatabase("hub")
    let verified = server.url(database: "hub") + "?sslmode=verify-full&sslrootcert=\(federation.caURL.path)"
    let store = try PostgresStore(url: verified, node: hubNode)
    #expect(try store.addAccount("wang", role: .officer, at: Date()))
    let connection = try PostgresConnection(verified)
    #expect(
      try connection.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first.map {
        "\($0.integer("ssl") ?? -1) \($0.string("version") ?? "")"
      } == "1 TLSv1.3")
    // A server whose certificate another CA issued is refused before any password is sent.
    let stranger = try TestFederation(label: "pg-tls-other")
    let refused = thrownCode {
      _ = try PostgresStore(
        url: server.url(database: "hub") + "?sslmode=verify-full&sslrootcert=\(stranger.caURL.path)",
        node: hubNode)
    }
    #expect(refused == "store.postgres-tls")
    // The certificate names 127.0.0.1, not localhost.
    let misnamed = thrownCode {
      _ = try PostgresStore(
        url: server.url(database: "hub").replacingOccurrences(of: "127.0.0.1", with: "localhost")
          + "?sslmode=verify-full&sslrootcert=\(federation.caURL.path)", node: hubNode)
    }
    #expect(misnamed == "store.postgres-tls")
  }

  @Test("the schema is brought up from every earlier version, once, by processes starting together")
  func schemaFromEveryVersion() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    let steps = PostgresStore.schemaVersions
    for start in 0...steps.count {
      try server.createDatabase("from_\(start)")
      let url = server.url(database: "from_\(start)")
      #expect(
        try PostgresStore(url: url, node: hubNode, migrateUpTo: start).appliedSchemaVersions()
          == Array(steps.prefix(start)))
      #expect(try PostgresStore(url: url, node: hubNode).appliedSchemaVersions() == steps)
    }
    // Four stores opening one new database at once: each step applied once, none failing.
    try server.createDatabase("together")
    let url = server.url(database: "together")
    let opened = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<4 { group.addTask { (try? PostgresStore(url: url, node: hubNode)) != nil } }
      return await group.reduce(into: []) { $0.append($1) }
    }
    #expect(opened == [true, true, true, true])
    #expect(try server.psql("SELECT count(*) FROM liandong_schema", database: "together") == "\(steps.count)")
    // A step this liandong does not know: the database belongs to a newer one.
    try server.psql(
      "INSERT INTO liandong_schema (position, name) VALUES (99, 'v99: from the future')", database: "together"
    )
    #expect(thrownCode { _ = try PostgresStore(url: url, node: hubNode) } == "store.schema-too-new")
  }

  @Test(
    "a role that may create tables in the database's schema but owns nothing, as a DBA may give a hub, brings a new hub's schema up, no extension asked for"
  )
  func newHubNeedsNoExtension() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("clerks")
    try server.psql("CREATE ROLE clerk LOGIN PASSWORD 'clerk-pw'")
    try server.psql("GRANT USAGE, CREATE ON SCHEMA public TO clerk", database: "clerks")
    let url = server.url(database: "clerks", user: "clerk", password: "clerk-pw")
    #expect(
      try PostgresStore(url: url, node: hubNode).appliedSchemaVersions() == PostgresStore.schemaVersions)
    #expect(
      try server.psql("SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'", database: "clerks")
        == "0")
  }

  @Test("a transaction PostgreSQL aborts to end a deadlock is run again, and both commit")
  func deadlocksAreRunAgain() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    try server.psql(
      "CREATE TABLE heads (origin text PRIMARY KEY, n integer); INSERT INTO heads VALUES ('a', 0), ('b', 0)",
      database: "hub")
    try server.psql("ALTER SYSTEM SET deadlock_timeout = '100ms'")
    try server.psql("SELECT pg_reload_conf()")
    let url = server.url(database: "hub")
    let both = DispatchGroup()
    let attempts = LockedCounter()
    let failures = LockedCounter()
    // Each locks one row, waits until the other holds its own, then wants the other's.
    let holding = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
    for (index, order) in [["a", "b"], ["b", "a"]].enumerated() {
      DispatchQueue.global().async(group: both) {
        do {
          let connection = try PostgresConnection(url)
          try connection.transaction { connection in
            let attempt = attempts.increment()
            try connection.execute("UPDATE heads SET n = n + 1 WHERE origin = $1", [.text(order[0])])
            if attempt <= 2 {
              holding[index].signal()
              holding[1 - index].wait()
            }
            try connection.execute("UPDATE heads SET n = n + 1 WHERE origin = $1", [.text(order[1])])
          }
        } catch {
          failures.increment()
        }
      }
    }
    both.wait()
    #expect(failures.value == 0)
    // At least once: the run again meets the survivor still holding its first row and, when
    // the database is slow to hand the freed row to the survivor, may deadlock once more.
    #expect(attempts.value >= 3, "one of the two was run again")
    #expect(
      try server.psql("SELECT string_agg(n::text, ',' ORDER BY origin) FROM heads", database: "hub") == "2,2")
  }

  @Test("accounts, tokens, sessions and idempotent results behave as on SQLite, shared by two processes")
  func accountsAsOnSQLite() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    try AccountDirectoryBehaviour.check(try NodeStore(path: nil, node: NodeID("n0")))
    let first = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
    try AccountDirectoryBehaviour.check(first)
    // Another serve process on the same database sees the same session, and its logout.
    let second = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
    let cookie = Data((0..<32).map { UInt8($0) })
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    try first.addSession(sha256: cookie, account: "zhang", csrfToken: "t", at: now, expiresAt: now + 3600)
    #expect(try second.session(sha256: cookie)?.account == "zhang")
    try second.endSession(sha256: cookie, at: now + 60)
    #expect(try first.session(sha256: cookie)?.endedAt == now + 60)
  }

  @Test(
    "peers, the blob index and the change log's reads answer as on SQLite (`SQLRoleBehaviourTests`)")
  func rolesAsOnSQLite() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let store = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
    try PeerDirectoryBehaviour.check(store)
    try BlobIndexBehaviour.check(store)
    // The log's reads, from a copy of a SQLite store's rows in a database of their own.
    try server.createDatabase("log")
    let log = try PostgresStore(url: server.url(database: "log"), node: hubNode)
    let (model, author, lead) = try ChangeLogReadsBehaviour.receivingStore()
    try ChangeLogReadsBehaviour.copyRows(from: model, to: log)
    try ChangeLogReadsBehaviour.check(log, against: model, author: author, lead: lead)
    // The digests take the federation's hash, as the SQLite store's do.
    log.useSuite(.sm)
    model.useSuite(.sm)
    #expect(try log.changeSetDigest() == model.changeSetDigest())
  }

  @Test("a kept connection the server closed is dropped: the next call works once the server is back")
  func aRestartedServerIsReconnected() async throws {
    let server = try await PostgreSQLServer()
    defer { server.stop() }
    try server.createDatabase("hub")
    let store = try PostgresStore(url: server.url(database: "hub"), node: hubNode)
    #expect(try store.addAccount("li", role: .officer, at: Date()))
    // Every session the server has is ended, as a restart or a failover ends them.
    try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'hub'")
    while try server.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'hub'") != "0" {
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(try store.account("li")?.role == .officer)
  }
}

/// What every `AccountDirectory` does, whatever it is built on; run against a new, empty one.
enum AccountDirectoryBehaviour {
  static func check(_ store: any AccountDirectory) throws {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    #expect(try store.addAccount("zhang", role: .supervisor, at: now))
    #expect(try !store.addAccount("zhang", role: .officer, at: now), "a name is taken once")
    #expect(try store.addAccount("li", role: .officer, at: now))
    #expect(try store.accounts().map(\.name) == ["li", "zhang"])
    #expect(try store.account("zhang")?.role == .supervisor)
    #expect(try store.account("nobody") == nil)

    // Tokens: only their hashes are kept; an expired one is not active; revoking counts the active.
    let token = Data([0, 1, 2, 0xff, 0, 0x5c, 0x78])
    try store.addToken(sha256: token, account: "li", label: "案件系统", at: now, expiresAt: Date() + 86_400)
    try store.addToken(sha256: Data([9]), account: "li", label: "old", at: now, expiresAt: Date() - 60)
    #expect(try store.token(sha256: token)?.label == "案件系统")
    #expect(try store.token(sha256: Data([7])) == nil)
    #expect(try store.account("li")?.activeTokens == 1)
    #expect(try store.revokeTokens(of: "li", at: Date()) == 1)
    #expect(try store.token(sha256: token)?.revokedAt != nil)
    #expect(try store.account("li")?.activeTokens == 0)

    // Passwords and logins: failures count and block; a success clears them.
    #expect(try store.account("li")?.hasPassword == false)
    try store.addSession(sha256: Data([1]), account: "li", csrfToken: "c1", at: now, expiresAt: now + 3600)
    try store.setPassword(of: "li", hash: "$argon-like$hash", at: now + 1)
    #expect(try store.session(sha256: Data([1]))?.endedAt == now + 1, "a new password ends the sessions")
    #expect(try store.password(of: "li")?.hash == "$argon-like$hash")
    let blocked = Date(timeIntervalSince1970: (Date() + 600).timeIntervalSince1970.rounded(.down))
    try store.recordLogin(of: "li", succeeded: false, blockedUntil: nil)
    try store.recordLogin(of: "li", succeeded: false, blockedUntil: blocked)
    #expect(
      try store.password(of: "li")
        == PasswordRecord(hash: "$argon-like$hash", failedLogins: 2, blockedUntil: blocked))
    #expect(try store.account("li")?.loginBlockedUntil == blocked.iso8601)
    try store.recordLogin(of: "li", succeeded: true, blockedUntil: nil)
    #expect(try store.password(of: "li")?.failedLogins == 0)
    #expect(try store.account("li")?.loginBlockedUntil == nil)

    // Sessions: touched, ended one by one or all of an account's.
    try store.addSession(sha256: Data([2]), account: "li", csrfToken: "c2", at: now, expiresAt: now + 3600)
    try store.addSession(sha256: Data([3]), account: "li", csrfToken: "c3", at: now, expiresAt: now + 3600)
    try store.touchSession(sha256: Data([2]), at: now + 30)
    #expect(
      try store.session(sha256: Data([2]))
        == SessionRecord(
          account: "li", csrfToken: "c2", expiresAt: now + 3600, lastSeenAt: now + 30, endedAt: nil))
    try store.endSession(sha256: Data([2]), at: now + 40)
    #expect(try store.endSessions(of: "li", at: now + 50) == 1)
    #expect(try store.session(sha256: Data([2]))?.endedAt == now + 40)
    #expect(try store.session(sha256: Data([3]))?.endedAt == now + 50)

    // Idempotent requests: a key claimed once, its result kept byte for byte; a claim given
    // back only while no change realised it.
    let result = Data("{\"id\":\"线索\"}".utf8) + Data([0])
    try store.claimIdempotentKey(account: "li", key: "k1", requestSHA256: Data([4]), at: now)
    try store.claimIdempotentKey(account: "li", key: "k1", requestSHA256: Data([5]), at: now)
    #expect(
      try store.idempotentRequest(account: "li", key: "k1")
        == IdempotentRequest(requestSHA256: Data([4]), result: nil, change: nil))
    try store.finishIdempotentRequest(account: "li", key: "k1", result: result)
    let kept = try store.idempotentRequest(account: "li", key: "k1")
    #expect(kept?.requestSHA256 == Data([4]) && kept?.result == result)
    #expect(try store.idempotentRequest(account: "zhang", key: "k1") == nil)
    try store.claimIdempotentKey(account: "li", key: "k2", requestSHA256: Data([6]), at: now)
    try store.releaseIdempotentKey(account: "li", key: "k2")
    #expect(try store.idempotentRequest(account: "li", key: "k2") == nil)

    #expect(try store.disableAccount("li", at: now + 70))
    #expect(try !store.disableAccount("li", at: now + 80), "disabled once")
    #expect(try store.account("li")?.disabledAt == (now + 70).iso8601)
  }
}

/// A counter several threads add to.
final class LockedCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  @discardableResult
  func increment() -> Int {
    lock.withLock {
      count += 1; return count
    }
  }
}

@Suite("SQL written once for both engines")
struct SQLForBothEnginesTests {
  @Test("a `?` outside quotes becomes PostgreSQL's numbered placeholder; one inside stays")
  func placeholders() {
    #expect(
      PostgresConnection.numberingPlaceholders(
        #"SELECT '?' AS "a?", x FROM t WHERE a = ? AND b > ? AND c = 'it''s ?'"#)
        == #"SELECT '?' AS "a?", x FROM t WHERE a = $1 AND b > $2 AND c = 'it''s ?'"#)
  }
}
