import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

/// The operator's pages: the node (trust expiry, peers and their lag, forks, the store) and the
/// accounts. No case content is read here.
extension ConsolePages {
  /// Days before an expiry from which the page warns.
  static let expiryWarningDays = 14
  /// Days after the last backup from which the page warns: a node's data since then would be
  /// lost with its disk.
  static let backupWarningDays = 7

  func nodeStatus(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readNode)
    let language = visit.language
    let now = Date()
    let figures = try app.operatorFigures(now: now)
    let status = try app.status()
    let refusals = try app.refusalsByPeers()
    func expiry(_ key: String, _ date: Date?) -> [String: Any] {
      guard let date else {
        return ["name": language.phrase(key), "value": "—", "urgency": "ok", "urgencyName": ""]
      }
      let days = Int(date.timeIntervalSince(now) / 86_400)
      let urgency = days < 0 ? "overdue" : days < Self.expiryWarningDays ? "due-soon" : "ok"
      return [
        "name": language.phrase(key),
        "value": "\(Shown.chinaTime(date)) (\(days) \(language.phrase("days")))",
        "urgency": urgency, "urgencyName": language.phrase("urgency:\(urgency)"),
      ]
    }
    let store: [(String, String)] =
      (figures.hubDatabase.map { [("hubDatabase", $0)] } ?? []) + [
        ("changes", "\(status.changes)"), ("stubs", "\(status.stubs)"),
        ("refusedOperations", "\(status.refusedOperations)"),
        (
          "evidenceHeld",
          "\(figures.evidence.held) (\(Shown.bytes(UInt64(max(0, figures.evidence.heldBytes)))))"
        ),
        ("evidenceMissing", "\(figures.evidenceMissing)"),
        (
          "versionVector",
          status.versionVector.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
            separator: ", ")
        ),
        ("heldChangesDigest", status.heldChangesDigest),
      ]
    var page = Rendered(
      template: "node", title: language.phrase("nodeStatus"),
      values: [
        "trust": [
          expiry("certificateNotAfter", figures.certificateNotAfter),
          expiry("crlNextUpdate", figures.crlNextUpdate),
        ],
        "store": store.map { ["name": language.phrase($0.0), "value": $0.1] },
        "backup": backupValues(figures.lastBackup, onHub: figures.hubDatabase != nil, now: now, language),
        // A hub's database is backed up by PostgreSQL's tools, not from this page.
        "fileBackups": figures.hubDatabase == nil,
        "peers": try app.peers().map { peer -> [String: Any] in
          let refused = refusals[peer.node] ?? [:]
          var row: [String: Any] = [
            "name": peer.node, "address": peer.address,
            "lastSuccess": peer.lastSuccess.map(Shown.chinaTime) ?? language.phrase("never"),
            "lag": peer.changesSinceSuccess.map(String.init) ?? "—",
            "lastFailure": peer.lastFailure.map(Shown.chinaTime) ?? "—",
          ]
          row["lastError"] = Shown.optional(peer.lastError)
          // Absent, not empty, when it refused nothing: Mustache shows a section for "" too.
          if !refused.isEmpty {
            row["refused"] = refused.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(
              separator: ", ")
          }
          return row
        },
        "anyKeep": status.forks.contains { app.mayKeep($0, by: visit.caller) },
        "forks": status.forks.map { fork -> [String: Any] in
          [
            "keep": app.mayKeep(fork, by: visit.caller)
              ? [fork.heldChange, fork.otherChange].map { ["change": $0, "short": String($0.prefix(12))] }
              : [],
            "detectedAt": Shown.chinaTime(fork.detectedAt),
            "changes": "\(fork.heldChange.prefix(12)) / \(fork.otherChange.prefix(12))",
            "decision": fork.kept.map { kept in
              language.phrase("forkKept") + " " + kept.prefix(12) + " "
                + language.phrase(fork.decidedBy == "origin" ? "forkByOrigin" : "forkByAuthority")
            } ?? language.phrase(fork.contested ? "forkContested" : "forkUndecided"),
            "decided": fork.kept != nil,
          ]
        },
        "anyForks": !status.forks.isEmpty,
        "anySuperseded": !status.superseded.isEmpty,
        "superseded": status.superseded.map {
          ["origin": $0.origin, "sequence": "\($0.sequence)", "change": String($0.id.prefix(12))]
        },
        "anyWithheld": !status.withheld.isEmpty,
        "withheld": status.withheld.map {
          [
            "origin": $0.origin, "sequence": "\($0.sequence)", "change": String($0.id.prefix(12)),
            "reason": $0.reason,
          ]
        },
        "quarantined": status.quarantined.joined(separator: ", "),
        "operates": visit.caller.may(.operateNode),
      ], live: true, notice: visit.query("done").map { language.phrase(Self.doneNotices[$0] ?? "actDone") })
    // Absent, not nil, when none was started: Mustache shows a section for an empty value too.
    page.values["backupRun"] = runValues(controls.backups.status, language, ok: \.ok) {
      summary in
      [
        ("backupFile", summary.file), ("changesInBackup", "\(summary.changes)"),
        ("evidenceInBackup", "\(summary.blobs) (\(Shown.bytes(summary.bytes)))"),
        ("damagedFiles", summary.damaged.map { String($0.sha256.prefix(16)) }.joined(separator: ", ")),
      ].filter { !$0.1.isEmpty }
    }
    page.values["verification"] = runValues(controls.verifications.status, language, ok: \.ok) { report in
      [
        ("changesChecked", "\(report.changesChecked)"),
        ("filesChecked", report.filesChecked.map(String.init) ?? "—"),
        ("failuresFound", "\(report.failures.count)"),
        ("damagedFiles", "\(report.damagedFiles.count)"),
        (
          "databaseProblems",
          report.databaseProblems.isEmpty ? "0" : report.databaseProblems.joined(separator: "; ")
        ),
      ]
    }
    return page
  }

  /// What the node page says after an act that signs nothing.
  static let doneNotices = ["peers": "peersSaved", "backup": "backupStarted", "verify": "verifyStarted"]

  /// The latest backup, and whether it is too old: none at all is overdue.
  private func backupValues(_ backup: BackupRecord?, onHub: Bool, now: Date, _ language: Language)
    -> [String: Any]
  {
    if onHub { return ["value": language.phrase("backup:hub"), "urgency": "ok", "urgencyName": ""] }
    guard let backup, let at = Shown.parse(backup.at) else {
      return [
        "value": language.phrase("noBackup"), "urgency": "overdue",
        "urgencyName": language.phrase("backup:none"),
      ]
    }
    let days = Int(now.timeIntervalSince(at) / 86_400)
    let old = days >= Self.backupWarningDays
    return [
      "value":
        "\(Shown.chinaTime(at)) (\(days) \(language.phrase("daysAgo"))) · \(Shown.bytes(backup.bytes)) · \(backup.changes) \(language.phrase("changesUnit")) · \(backup.file)",
      "urgency": old ? "due-soon" : "ok", "urgencyName": old ? language.phrase("backup:old") : "",
    ]
  }

  /// This node's operator decides which change of a fork of its own chain stands
  /// (`NodeApp.keepOwnFork`).
  func actOnForks(_ request: Request) async throws -> Response {
    try await act(request, permission: .operateNode) { _, form in
      _ = try app.keepOwnFork(form.text("change") ?? "")
      return "\(Console.root)/node?done=fork"
    } onRefusal: { visit, _, error in
      refused(try nodeStatus(visit), error)
    }
  }

  /// The accounts, with a token just issued shown this once.
  func accounts(_ visit: Visit, issued: IssuedToken? = nil) throws -> Rendered {
    try visit.caller.require(.manageAccounts)
    let language = visit.language
    var values: [String: Any] = ["tokenDays": 90]
    if let issued {
      values["issued"] = [
        "account": issued.account, "token": issued.token, "expires": Shown.chinaTime(issued.expiresAt),
      ]
    }
    return Rendered(
      template: "accounts", title: language.phrase("accounts"),
      values: [
        "accounts": try app.listAccounts().map { account -> [String: Any] in
          [
            "name": account.name, "role": language.phrase("role:\(account.role.rawValue)"),
            "password": language.phrase(account.hasPassword ? "yes" : "no"),
            "tokens": "\(account.activeTokens)",
            "state": account.disabledAt != nil
              ? language.phrase("disabled")
              : account.loginBlockedUntil.map { "\(language.phrase("blockedUntil")) \(Shown.chinaTime($0))" }
                ?? language.phrase("active"),
          ]
        },
        "roles": OfficerRole.allCases.map {
          ["value": $0.rawValue, "name": language.phrase("role:\($0.rawValue)")]
        },
      ].merging(values) { $1 },
      notice: visit.query("done").map { _ in language.phrase("actDone") })
  }

  /// A new API token for an account (a case system's), shown on the page this once: the node
  /// keeps only its hash.
  func issueToken(_ request: Request) async throws -> Response {
    try await actShowing(request, permission: .manageAccounts) { visit, form in
      let text = form.text("days") ?? "90"
      guard let days = Int(text) else {
        throw UsageError(
          code: "usage.token-days", message: "a token lasts 1 to 3650 days; \"\(text)\" is not a number")
      }
      let issued = try app.issueToken(
        for: form.text("name") ?? "", days: days, label: form.text("label") ?? "")
      return try accounts(visit, issued: issued)
    } onRefusal: { visit, _, error in
      refused(try accounts(visit), error)
    }
  }

  /// Adds an account with its first password, sets a password, or disables an account.
  func actOnAccounts(_ request: Request) async throws -> Response {
    try await act(request, permission: .manageAccounts) { visit, form in
      let name = form.text("name") ?? ""
      switch form["act"] ?? "" {
      case "add":
        let role = try OfficerRole(canonical: form["role"] ?? "officer")
        // Checked before the account exists, so a weak password leaves nothing half made.
        try NodeApp.checkNewPassword(form["password"] ?? "", account: name)
        _ = try app.addAccount(name, role: role)
        try app.setPassword(of: name, to: form["password"] ?? "")
      case "password": try app.setPassword(of: name, to: form["password"] ?? "")
      case "disable": _ = try app.disableAccount(name)
      case "revoke": _ = try app.revokeTokens(of: name)
      case let other:
        throw Failure(code: "api.bad-request", message: "the accounts page has no act \"\(other)\"")
      }
      return "\(Console.root)/accounts?done=act"
    } onRefusal: { visit, _, error in
      refused(try accounts(visit), error)
    }
  }
}
