import Foundation
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore

/// The operator's acts on the node page, for a bureau whose operator has no shell on the node's
/// machine: its peers, the CA's new revocation list, a backup and a verification started in the
/// background, and doctor's findings. None of them reads a case's content.
extension ConsolePages {
  /// Adds a peer or changes its address (dialled from the next round), or stops syncing with one.
  func actOnPeers(_ request: Request) async throws -> Response {
    try await act(request, permission: .operateNode) { _, form in
      let node = try NodeID(form.text("node") ?? "")
      switch form["act"] ?? "" {
      case "add": try app.addPeer(node, address: form.text("address") ?? "")
      case "remove": try app.removePeer(node)
      case let other:
        throw Failure(code: "api.bad-request", message: "the node page has no act \"\(other)\" for peers")
      }
      return "\(Console.root)/node?done=peers"
    } onRefusal: { visit, _, error in
      refused(try nodeStatus(visit), error)
    }
  }

  /// The largest CRL file the page reads: a federation's list, even after years of revocations,
  /// is a few kilobytes.
  static let maximumRevocationListBytes = 256 * 1024

  /// The CRL file chosen: previewed (what it would revoke and withhold here, nothing installed),
  /// or installed, relayed to every node and put in force on the sync listener at once. The
  /// node page then shows which, and its effect.
  func installRevocationList(_ request: Request) async throws -> Response {
    try await actShowing(request, permission: .operateNode) { visit, form in
      guard let file = form.file, file.upload.size > 0 else {
        throw Failure(
          code: "crl.unreadable", message: "no file was chosen: choose the CRL file the CA published (PEM)")
      }
      let pem = try file.upload.readBack(limit: Self.maximumRevocationListBytes)
      let dryRun = form["act"] != "install"
      let result = try app.installRevocationList(
        pem, fileName: file.fileName, dryRun: dryRun, by: visit.caller.officer)
      if !dryRun { controls.trustChanged() }
      var page = try nodeStatus(visit)
      page.values["crlResult"] = revocationListValues(result, visit.language)
      return page
    } onRefusal: { visit, _, error in
      refused(try nodeStatus(visit), error)
    }
  }

  /// Starts a backup into the node's `backups/` folder; the node page follows it.
  func startBackup(_ request: Request) async throws -> Response {
    try await act(request, permission: .operateNode) { visit, _ in
      try controls.startBackup(of: app, by: visit.caller.account)
      return "\(Console.root)/node?done=backup"
    } onRefusal: { visit, _, error in
      refused(try nodeStatus(visit), error)
    }
  }

  /// Starts verifying every change and the database, and every evidence file when ticked.
  func startVerification(_ request: Request) async throws -> Response {
    try await act(request, permission: .operateNode) { visit, form in
      try controls.startVerification(of: app, files: form["files"] != nil, by: visit.caller.account)
      return "\(Console.root)/node?done=verify"
    } onRefusal: { visit, _, error in
      refused(try nodeStatus(visit), error)
    }
  }

  /// doctor's findings, examined when the page is asked for (the peers are contacted: up to ten
  /// seconds for one that does not answer), worst first.
  func doctor(_ request: Request) async throws -> Response {
    let language = Self.language(of: request)
    guard let visit = try? visitor(request, language: language, csrfToken: nil, changesState: false) else {
      return loginRedirect(request)
    }
    do {
      try visit.caller.require(.readNode)
      let report = try await controls.doctor()
      let findings = report.findings.sorted { $0.severity > $1.severity }
      let page = Rendered(
        template: "doctor", title: language.phrase("doctor"),
        values: [
          "worst": language.phrase("severity:\(report.worst.rawValue)"),
          "worstSeverity": report.worst.rawValue,
          "findings": findings.map { finding -> [String: Any] in
            var row: [String: Any] = [
              "check": language.phrase("check:\(finding.check)"), "severity": finding.severity.rawValue,
              "severityName": language.phrase("severity:\(finding.severity.rawValue)"),
              "message": Shown.text(Self.message(of: finding, in: language)),
            ]
            row["subject"] = Shown.optional(finding.subject)
            row["remedy"] = Shown.optional(Self.remedy(of: finding, in: language))
            return row
          },
        ])
      return render(page, visit: visit, language: language)
    } catch {
      return render(problemPage(error, language: language), visit: visit, language: language)
    }
  }

  /// A finding as its reading is worded in the page's language; the node's English otherwise.
  static func message(of finding: DoctorFinding, in language: Language) -> String {
    guard language == .zh, let reading = finding.reading else { return finding.message }
    return DoctorPhrases.message(reading, check: finding.check)
  }

  /// What to do about a finding that needs something done, in the page's language where it has
  /// been worded in it.
  static func remedy(of finding: DoctorFinding, in language: Language) -> String? {
    guard let remedy = finding.remedy else { return nil }
    guard language == .zh, let reading = finding.reading else { return remedy }
    return DoctorPhrases.remedy(reading) ?? remedy
  }

  /// What a CRL did (or in a preview would do) here, as the node page shows it.
  private func revocationListValues(_ result: RevocationListInstall, _ language: Language) -> [String: Any] {
    var values: [String: Any] = [
      "heading": language.phrase(result.dryRun ? "crlPreviewed" : "crlInstalled"),
      "number": result.rank.number >= 0 ? "\(result.rank.number)" : "—",
      "issued": Shown.chinaTime(result.issued),
      "revokes": result.effect.revoked.map {
        ["node": $0.node, "serial": $0.serial, "revokedAt": Shown.chinaTime($0.revokedAt)]
      },
      "anyRevokes": !result.effect.revoked.isEmpty,
      "withheld": "\(result.effect.withheld.count)",
      "withheldChanges": result.effect.withheld.prefix(20).map {
        ["origin": $0.origin, "sequence": "\($0.sequence)", "change": String($0.id.prefix(12))]
      },
    ]
    values["relayedIn"] = result.relayedIn.map { String($0.prefix(12)) }
    values["notRelayed"] = Shown.optional(result.notRelayed)
    return values
  }

  /// A background run (a backup, a verification) as the node page shows it; nil when none was
  /// started since the node started serving.
  func runValues<Report>(
    _ status: BackgroundRun<Report>.Status, _ language: Language, ok: (Report) -> Bool,
    details: (Report) -> [(String, String)]
  ) -> [String: Any]? {
    guard status.state != .never, let started = status.started else { return nil }
    var values: [String: Any] = [
      "state": status.state.rawValue, "stateName": language.phrase("run:\(status.state.rawValue)"),
      "running": status.state == .running, "startedBy": status.startedBy ?? "—",
      "started": Shown.chinaTime(started),
    ]
    values["finished"] = status.finished.map(Shown.chinaTime)
    if let read = status.bytesRead, let total = status.bytesTotal, status.state == .running {
      values["progress"] = "\(Shown.bytes(read)) / \(Shown.bytes(total))"
    }
    if let report = status.report {
      let fine = ok(report)
      values["verdict"] = language.phrase(fine ? "runOK" : "runProblems")
      values["verdictClass"] = fine ? "ok" : "overdue"
      values["details"] = details(report).map { ["name": language.phrase($0.0), "value": $0.1] }
    }
    if let failure = status.failure {
      values["failed"] = [
        "message": failure.message,
        "remedy": language == .zh ? ErrorPhrases.remedies[failure.code] ?? failure.remedy : failure.remedy,
        "code": failure.code,
      ]
    }
    return values
  }
}
