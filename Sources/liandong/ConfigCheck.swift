import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

/// `serve --check-config`: what the node would run with, where each setting came from, and
/// anything wrong with the configuration file, the certificates or the calendar.
struct ConfigCheck {
  /// One thing checked. A problem stops the node from starting (the exit status is 1, and the
  /// systemd unit runs this check before each start); a warning is printed and the node starts,
  /// since what it warns of (a certificate that expires soon, a calendar that cannot count
  /// this year's deadlines) is no reason to stop syncing and serving the officers today.
  struct Finding: Codable {
    enum Level: String, Codable { case ok, warning, problem }
    var level: Level
    /// Whether the node may start: `level` is not `problem`.
    var ok: Bool
    var what: String

    init(ok: Bool, what: String) { self.init(ok ? .ok : .problem, what) }
    init(_ level: Level, _ what: String) {
      self.level = level
      ok = level != .problem
      self.what = what
    }
  }

  let home: NodeHome
  let settings: ResolvedServeSettings

  func findings() throws -> [Finding] {
    var found: [Finding] = []
    // Keys nobody reads are typos of keys somebody should have.
    let file = home.directory.appendingPathComponent("node.json")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
    let (unknown, unknownServe) = NodeConfiguration.unknownKeys(in: object)
    for key in unknown {
      found.append(
        Finding(
          ok: false,
          what:
            "node.json: unknown key '\(key)'; known: \(NodeConfiguration.knownKeys.sorted().joined(separator: ", "))"
        ))
    }
    for key in unknownServe {
      found.append(
        Finding(
          ok: false,
          what:
            "node.json serve: unknown key '\(key)'; known: \(ServeSettings.knownKeys.sorted().joined(separator: ", "))"
        ))
    }
    if unknown.isEmpty && unknownServe.isEmpty {
      found.append(Finding(ok: true, what: "node.json: every key is known"))
    }

    // The node opened, so the store answered (a hub's database included).
    let location = home.configuration.storeLocation
    found.append(
      Finding(
        ok: true,
        what: location.isPostgres
          ? "store: PostgreSQL at \(location.shown), schema up to date"
          : "store: liandong.sqlite in \(home.directory.path)"))

    let now = Date()
    do {
      try home.trust.verify(chain: home.chain, at: now, now: now)
      let days = Int(home.chain[0].notAfter.timeIntervalSince(now) / 86_400)
      found.append(
        Finding(
          days >= 30 ? .ok : .warning,
          "certificate of \(home.node) chains to the CA and is not revoked; it expires in \(days) days"
            + (days < 30 ? ": rotate it soon with liandong cert rotate (Deploy/README.md, step 6)" : "")))
    } catch {
      found.append(Finding(ok: false, what: "certificate of \(home.node): \(Failure(error).message)"))
    }

    do {
      let calendar = try NodeApp(home: home).calendar(file: nil)
      let year = CivilDate(chinaDayOf: now.unixMillis).year
      let covered = calendar.years.contains(year)
      found.append(
        Finding(
          covered ? .ok : .warning,
          "working-day calendar (\(home.configuration.calendar ?? "built in")) covers "
            + "\(calendar.years.lowerBound)-\(calendar.years.upperBound)"
            + (covered
              ? ""
              : ": deadlines past it are shown as not counted until \(year)'s schedule from the State "
                + "Council's notice is added (Deploy/README.md, section 8)")))
    } catch {
      found.append(Finding(ok: false, what: "working-day calendar: \(Failure(error).message)"))
    }

    let peers = try home.store.peers()
    found.append(
      Finding(
        ok: true,
        what: peers.isEmpty
          ? "no peers yet: add them with 'liandong peer add ID HOST:PORT' (serve still accepts them)"
          : "peers: " + peers.map { "\($0.node) at \($0.address)" }.joined(separator: ", ")))
    return found
  }

  func report(json: Bool) throws {
    let found = try findings()
    if json {
      struct Report: Codable {
        var settings: [String: [String: String]]
        var findings: [Finding]
      }
      try Output.json(
        Report(
          settings: Dictionary(
            uniqueKeysWithValues: settings.explained.map { ($0.0, ["value": $0.1, "from": $0.2]) }),
          findings: found))
    } else {
      print("liandong serve would run node \(home.node) with:")
      Output.table(["SETTING", "VALUE", "FROM"], settings.explained.map { [$0.0, $0.1, $0.2] })
      for finding in found { print("\(finding.level.shown) \(finding.what)") }
    }
    if found.contains(where: { !$0.ok }) { throw ExitCode(1) }
  }
}

extension ConfigCheck.Finding.Level {
  /// The word that starts the finding's line, padded to one width.
  var shown: String {
    switch self {
    case .ok: "ok     "
    case .warning: "WARNING"
    case .problem: "PROBLEM"
    }
  }
}
