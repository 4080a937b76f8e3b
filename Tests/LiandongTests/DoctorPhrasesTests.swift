import Foundation
import LiandongApp
import Testing

@testable import LiandongConsole

/// An operator reading doctor's findings on the Chinese console reads them in Chinese: each
/// reading worded, each remedy given, with times in China time.
@Suite("doctor's findings in Chinese")
struct DoctorPhrasesTests {
  static let now = ISO8601DateFormatter().date(from: "2026-12-04T02:00:00Z")!

  /// One finding of each reading doctor gives, as its rules and examinations make them.
  static var findings: [DoctorFinding] {
    let now = Self.now
    let day: TimeInterval = 86_400
    let refusal = (code: "store.schema-too-new", message: "the database was written by a newer liandong")
    var findings = [
      DoctorRules.certificate(notAfter: now.addingTimeInterval(10 * day), problem: nil, now: now),
      DoctorRules.certificate(notAfter: now, problem: "the certificate has expired", now: now),
      DoctorRules.crl(present: false, lastUpdate: nil, nextUpdate: nil, maximumDrift: 300, now: now),
      DoctorRules.crl(
        present: true, lastUpdate: now.addingTimeInterval(day), nextUpdate: nil, maximumDrift: 300, now: now),
      DoctorRules.crl(present: true, lastUpdate: nil, nextUpdate: nil, maximumDrift: 300, now: now),
      DoctorRules.crl(
        present: true, lastUpdate: nil, nextUpdate: now.addingTimeInterval(-2 * day), maximumDrift: 300,
        now: now),
      DoctorRules.crl(
        present: true, lastUpdate: nil, nextUpdate: now.addingTimeInterval(3 * day), maximumDrift: 300,
        now: now),
      DoctorRules.clock(newestChange: nil, maximumDrift: 300, now: now),
      DoctorRules.clock(newestChange: now.addingTimeInterval(900), maximumDrift: 300, now: now),
      DoctorRules.clock(peer: "yrd", offset: 0.002, uncertainty: 0.001, maximumDrift: 300),
      DoctorRules.clock(peer: "yrd", offset: -30, uncertainty: 0.01, maximumDrift: 300),
      DoctorRules.clock(peer: "yrd", offset: 600, uncertainty: 0.01, maximumDrift: 300),
      DoctorRules.disk(path: "/var/lib/liandong", free: 100 << 20, total: 100 << 30),
      DoctorRules.database(problems: []),
      DoctorRules.database(problems: ["row 3 missing from index changes_by_origin"]),
      DoctorRules.calendar(years: 2025...2026, source: "built in", now: now),
      DoctorRules.calendar(years: 2025...2026, source: "built in", now: now.addingTimeInterval(40 * day)),
      DoctorRules.calendar(
        years: 2025...2026, source: "/etc/liandong/cn-workdays.json", now: now.addingTimeInterval(-300 * day)),
      DoctorRules.evidence(
        sampled: 20, held: 100, damaged: [String(repeating: "ab", count: 32)], recorded: 0),
      DoctorRules.evidence(sampled: 20, held: 100, damaged: [], recorded: 2),
      DoctorRules.evidence(sampled: 0, held: 0, damaged: [], recorded: 0),
      DoctorRules.evidence(sampled: 0, held: 5, damaged: [], recorded: 0),
      DoctorRules.evidence(sampled: 20, held: 100, damaged: [], recorded: 0),
      DoctorRules.peer(
        "yrd", address: "10.31.0.5:7420", error: "certificate revoked", trustProblem: true, roundTrip: nil),
      DoctorRules.peer(
        "yrd", address: "10.31.0.5:7420", error: "connection refused", trustProblem: false, roundTrip: nil),
      DoctorRules.peer("yrd", address: "10.31.0.5:7420", error: nil, trustProblem: false, roundTrip: 0.012),
    ]
    let examined: [(String, DoctorFinding.Severity, DoctorReading, String?)] = [
      ("config", .error, .unreadable(.dataFolder, code: refusal.code, message: refusal.message), "remedy"),
      (
        "certificate", .error, .unreadable(.identityFiles, code: "crypto.unreadable-pem", message: "m"),
        "remedy"
      ),
      ("calendar", .error, .unreadable(.calendar, code: "input.date", message: "m"), "remedy"),
      (
        "tls-certificate", .error, .unreadable(.tlsCertificate, code: "crypto.unreadable-pem", message: "m"),
        "remedy"
      ),
      ("database", .error, .unreadable(.database, code: refusal.code, message: refusal.message), "remedy"),
      ("peer", .error, .unreadable(.tlsContext, code: "crypto.unreadable-pem", message: "m"), "remedy"),
      (
        "evidence-store", .error,
        .unreadable(.evidenceStore, code: "evidence.store-unreachable", message: "m"), "remedy"
      ),
      ("evidence-store", .ok, .evidenceStoreAnswers(location: "http://127.0.0.1:8333/evidence"), nil),
      ("config", .error, .configNotJSON(path: "/d/node.json"), "remedy"),
      ("config", .warning, .configUnknownKeys(["serve.intervl"]), "remedy"),
      ("config", .ok, .configKnown, nil),
      ("clock", .skipped, .clockNotTold(peer: "yrd"), nil),
      ("disk", .error, .diskUnexaminable(path: "/d", reason: "No such file or directory"), "remedy"),
      ("peer", .warning, .noPeers, "remedy"),
      ("catch-up", .warning, .catchUp(waitingFor: ["yrd", "bj"]), "remedy"),
      ("own-changes", .warning, .ownChangesMissing(message: "m"), "remedy"),
      ("forks", .warning, .forksUndecided(count: 1, quarantined: ["yrd"]), "remedy"),
      ("forks", .ok, .forksDecided(count: 2), nil),
      ("systemd", .skipped, .systemdAbsent, nil),
      ("systemd", .skipped, .systemctlUnavailable, "remedy"),
      ("systemd", .error, .unitInactive(unit: "liandong.service", state: "failed"), "remedy"),
      ("systemd", .ok, .unitActive(unit: "liandong.service"), nil),
    ]
    findings += examined.map {
      DoctorFinding(check: $0.0, severity: $0.1, reading: $0.2, remedy: $0.3)
    }
    return findings
  }

  static func isChinese(_ text: String) -> Bool {
    text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
  }

  @Test(
    "every reading is worded in Chinese, and every finding that needs something done says what in Chinese")
  func everyReading() {
    for finding in Self.findings {
      let message = ConsolePages.message(of: finding, in: .zh)
      #expect(Self.isChinese(message) && message != finding.message, "\(finding)")
      #expect(Phrases.table["check:\(finding.check)"] != nil, "no name for the check \(finding.check)")
      guard finding.remedy != nil else { continue }
      let remedy = ConsolePages.remedy(of: finding, in: .zh)
      // A refusal from the node keeps the node's remedy only where the console has none in Chinese.
      if case .unreadable(_, let code, _) = finding.reading, ErrorPhrases.remedies[code] == nil {
        #expect(remedy == finding.remedy)
      } else {
        #expect(remedy.map(Self.isChinese) == true, "\(finding)")
      }
    }
    // English keeps the node's own sentences.
    let english = Self.findings[6]
    #expect(ConsolePages.message(of: english, in: .en) == english.message)
    #expect(ConsolePages.remedy(of: english, in: .en) == english.remedy)
  }

  @Test("times are China time with the time left counted, and quoted values stay as the node wrote them")
  func values() {
    let crl = DoctorRules.crl(
      present: true, lastUpdate: nil, nextUpdate: Self.now.addingTimeInterval(3 * 86_400 + 3600),
      maximumDrift: 300,
      now: Self.now)
    #expect(
      ConsolePages.message(of: crl, in: .zh) == "吊销列表有效期至 2026-12-07 11:00:00（北京时间）（还有 3 天）")
    let expired = DoctorRules.crl(
      present: true, lastUpdate: nil, nextUpdate: Self.now.addingTimeInterval(-5 * 3600), maximumDrift: 300,
      now: Self.now)
    #expect(ConsolePages.message(of: expired, in: .zh).contains("已过 5 小时"))
    let behind = DoctorRules.clock(peer: "yrd", offset: 600, uncertainty: 0.01, maximumDrift: 300)
    #expect(
      ConsolePages.message(of: behind, in: .zh)
        == "本机时钟比 yrd 慢 600.0 秒（误差 ± 0.0 秒），超过节点间允许的 300 秒：来自 yrd 的变更被视为来自未来，在本节点被拒收")
    let calendar = DoctorRules.calendar(years: 2025...2026, source: "built in", now: Self.now)
    #expect(ConsolePages.remedy(of: calendar, in: .zh)?.contains("将 2027 年的法定节假日") == true)
    let tls = DoctorFinding(
      check: "tls-certificate", severity: .ok, reading: .certificateExpires(notAfter: Self.now, now: Self.now)
    )
    #expect(ConsolePages.message(of: tls, in: .zh).hasPrefix("本节点 TLS 证书（tls.pem）"))
    let unreachable = DoctorRules.peer(
      "yrd", address: "10.31.0.5:7420", error: "connection refused", trustProblem: false, roundTrip: nil)
    #expect(ConsolePages.message(of: unreachable, in: .zh) == "无法连接 yrd（10.31.0.5:7420）：connection refused")
  }
}
