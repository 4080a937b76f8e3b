import LiandongErrors

/// What went wrong between a hub's node and its PostgreSQL. libpq's own text is reduced to its
/// reason; the SQLSTATE decides the code, so that a standby, a lost server and a refused login
/// each say what to do.
public enum PostgresError: CodedError, Sendable, Equatable {
  /// No server answered, or the connection broke (a restart, a failover under way).
  case unreachable(target: String, reason: String)
  /// The server refused the login: a wrong password, or no `pg_hba.conf` line for this client.
  case refused(target: String, reason: String)
  case noDatabase(target: String)
  /// The TLS handshake failed: most often a certificate that does not chain to `sslrootcert`
  /// or does not name the host (`sslmode=verify-full`).
  case tls(target: String, reason: String)
  /// The database's encoding is not UTF-8: Chinese names would be lost.
  case notUTF8(target: String, found: String)
  /// A statement failed: `sqlState` is PostgreSQL's five-character code.
  case statement(target: String, sqlState: String, reason: String)
  /// The server holds `max_connections` already and refused one more (SQLSTATE 53300).
  case full(target: String, reason: String)
  /// Every connection this process may hold (`PostgresPool.limit`) stayed in use for `seconds`.
  case allConnectionsBusy(limit: Int, seconds: Double)

  /// A failed connection attempt, told by libpq's message (a login refused says so in it).
  static func connecting(target: String, libpqMessage: String) -> PostgresError {
    let reason = PostgresConnection.reason(libpqMessage)
    if reason.contains("authentication failed") || reason.contains("no pg_hba.conf entry")
      || reason.contains("password")
    {
      return .refused(target: target, reason: reason)
    }
    if reason.contains("database") && reason.contains("does not exist") { return .noDatabase(target: target) }
    // max_connections reached, or a database's or role's CONNECTION LIMIT.
    if ["too many clients", "too many connections", "connection slots are reserved"].contains(
      where: reason.contains)
    {
      return .full(target: target, reason: reason)
    }
    if reason.contains("SSL") || reason.contains("certificate") {
      return .tls(target: target, reason: reason)
    }
    return .unreachable(target: target, reason: reason)
  }

  public var code: String {
    switch self {
    case .unreachable: "store.postgres-unreachable"
    case .refused: "store.postgres-refused"
    case .noDatabase: "store.postgres-no-database"
    case .tls: "store.postgres-tls"
    case .notUTF8: "store.postgres-not-utf8"
    case .full: "store.postgres-full"
    case .allConnectionsBusy: "store.postgres-connections-busy"
    case .statement(_, let state, _) where state == "25006": "store.postgres-standby"
    // Class 08 (connection exception) and 57P (the server shutting down or starting up).
    case .statement(_, let state, _) where state.hasPrefix("08") || state.hasPrefix("57P"):
      "store.postgres-unreachable"
    case .statement(_, let state, _) where state == "40001" || state == "40P01": "store.busy"
    case .statement: "store.postgres-failed"
    }
  }

  /// A statement PostgreSQL cancelled, most often at its `statement_timeout` (SQLSTATE 57014).
  var wasCanceled: Bool {
    guard case .statement(_, let state, _) = self else { return false }
    return state == "57014"
  }

  /// A deadlock or serialization conflict: PostgreSQL rolled the transaction back whole, and
  /// running it again is what its documentation prescribes.
  var isWorthRetrying: Bool {
    guard case .statement(_, let state, _) = self else { return false }
    return state == "40001" || state == "40P01"
  }

  public var description: String {
    switch self {
    case .unreachable(let target, let reason):
      "the PostgreSQL store at \(target) cannot be reached: \(reason)"
    case .refused(let target, let reason): "the PostgreSQL store at \(target) refused the login: \(reason)"
    case .noDatabase(let target): "there is no PostgreSQL database at \(target)"
    case .tls(let target, let reason): "no TLS connection to the PostgreSQL store at \(target): \(reason)"
    case .notUTF8(let target, let found):
      "the PostgreSQL database \(target) is not UTF-8 (\(found)): Chinese text could not be kept"
    case .full(let target, let reason):
      "PostgreSQL at \(target) takes no more connections: \(reason)"
    case .allConnectionsBusy(let limit, let seconds):
      "all \(limit) of this process's connections to PostgreSQL stayed in use for \(Int(seconds)) s"
    case .statement(let target, let state, let reason):
      switch code {
      case "store.postgres-standby":
        "the PostgreSQL server at \(target) is a standby: it takes no writes (\(reason))"
      case "store.busy":
        "PostgreSQL at \(target) gave up a transaction again and again (SQLSTATE \(state): \(reason))"
      default: "PostgreSQL at \(target) refused a statement (SQLSTATE \(state)): \(reason)"
      }
    }
  }
}
