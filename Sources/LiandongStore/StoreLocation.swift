/// Where a node keeps its change log and projections: the SQLite file in its data folder (the
/// default, a county or prefecture bureau's node), or a PostgreSQL database that several
/// `liandong serve` processes share (a hub), named in `node.json`'s `store`.
public enum StoreLocation: Sendable, Equatable {
  case sqlite
  /// A libpq URL: `postgresql://USER@HOST:PORT/DATABASE?sslmode=verify-full&...`. Its password is
  /// best kept out of it, in the node user's `~/.pgpass` (or a `passfile=` the URL names).
  case postgres(url: String)

  static let schemes = ["postgresql://", "postgres://"]

  /// What is wrong with `setting` as `node.json`'s `store`; nil when it is a PostgreSQL URL.
  static func problem(_ setting: String) -> String? {
    guard !schemes.contains(where: setting.hasPrefix) else { return nil }
    return
      "'store' is \"\(setting.prefix(40))\"; it must be a PostgreSQL URL (postgresql://USER@HOST:PORT/DATABASE), or absent for the SQLite file in the data folder"
  }

  /// The location as doctor, the logs and the console show it: a URL without its password.
  public var shown: String {
    switch self {
    case .sqlite: return "liandong.sqlite"
    case .postgres(let url): return Self.withoutPassword(url)
    }
  }

  public var isPostgres: Bool { if case .postgres = self { true } else { false } }

  /// Leaves out the password of the user information (`user:secret@`) and a `password=`
  /// parameter; the rest (user, hosts, database, TLS settings) is what an operator checks.
  static func withoutPassword(_ url: String) -> String {
    guard let scheme = schemes.first(where: url.hasPrefix) else { return url }
    var rest = Substring(url.dropFirst(scheme.count))
    var shown = scheme
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    if let at = authority.lastIndex(of: "@") {
      let user = authority[..<at]
      shown += (user.firstIndex(of: ":").map { user[..<$0] } ?? user) + "@"
      rest = rest[rest.index(after: at)...]
    }
    guard let query = rest.firstIndex(of: "?") else { return shown + rest }
    let parameters = rest[rest.index(after: query)...].split(separator: "&").filter {
      !$0.lowercased().hasPrefix("password=")
    }
    return shown + rest[..<query] + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
  }

  /// The URL carries a password: then `node.json` must be readable by the node's user alone.
  public var carriesPassword: Bool {
    guard case .postgres(let url) = self else { return false }
    return Self.withoutPassword(url) != url
  }
}
