import Foundation
import LiandongApp
import Testing

/// The thresholds `liandong doctor` applies, and the exit status its report gives a script.
@Suite("What doctor makes of each reading")
struct DoctorRulesTests {
  let now = Date(timeIntervalSince1970: 1_800_000_000)

  @Test("a CRL is ok with a week to spare, a warning within a week, an error once its next update has passed")
  func crl() {
    func severity(days: Double) -> DoctorFinding.Severity {
      DoctorRules.crl(
        present: true, lastUpdate: now.addingTimeInterval(-86_400),
        nextUpdate: now.addingTimeInterval(days * 86_400),
        maximumDrift: 300, now: now
      ).severity
    }
    #expect(severity(days: 8) == .ok)
    #expect(severity(days: 3) == .warning)
    #expect(severity(days: -0.01) == .error)
    let missing = DoctorRules.crl(
      present: false, lastUpdate: nil, nextUpdate: nil, maximumDrift: 300, now: now)
    #expect(missing.severity == .warning && missing.remedy?.contains("crl install") == true)
    // Issued after this machine's "now": the clock is wrong, not the CRL.
    let future = DoctorRules.crl(
      present: true, lastUpdate: now.addingTimeInterval(3600),
      nextUpdate: now.addingTimeInterval(30 * 86_400),
      maximumDrift: 300, now: now)
    #expect(future.severity == .error && future.remedy?.contains("clock") == true)
  }

  @Test(
    "the calendar is a warning within 60 days of its last covered day, an error once today is past it, each naming the year to add"
  )
  func calendar() {
    func finding(_ day: String, at time: String = "09:00:00") -> DoctorFinding {
      let date = ISO8601DateFormatter().date(from: day + "T\(time)+08:00")!
      return DoctorRules.calendar(years: 2025...2026, source: "built in", now: date)
    }
    #expect(finding("2026-06-01").severity == .ok)
    let soon = finding("2026-12-03")
    #expect(
      soon.severity == .warning && soon.message.contains("2027 or later")
        && soon.message.contains("29 days left")
        && soon.remedy?.contains("Add 2027's") == true, "\(soon)")
    #expect(finding("2026-12-31").severity == .warning)
    // The days are China's: half past midnight on 1 January in China is still 31 December in UTC.
    #expect(finding("2027-01-01", at: "00:30:00").severity == .error)
    let past = finding("2027-01-01")
    #expect(past.severity == .error && past.message.contains("not today (2027-01-01)"), "\(past)")
    #expect(finding("2028-03-01").remedy?.contains("Add 2028's") == true)
  }

  @Test("a certificate is a warning within 30 days of expiry and an error when it does not verify")
  func certificate() {
    #expect(
      DoctorRules.certificate(notAfter: now.addingTimeInterval(31 * 86_400), problem: nil, now: now).severity
        == .ok)
    let soon = DoctorRules.certificate(notAfter: now.addingTimeInterval(29 * 86_400), problem: nil, now: now)
    #expect(soon.severity == .warning && soon.message.contains("in 29 days"))
    let expired = DoctorRules.certificate(notAfter: now, problem: "the certificate expired", now: now)
    #expect(expired.severity == .error && expired.remedy?.contains("cert rotate") == true)
    // An sm node's TLS certificate is named as such, under its own check.
    let tls = DoctorRules.certificate(
      notAfter: now, problem: "the certificate expired", now: now, check: "tls-certificate")
    #expect(
      tls.check == "tls-certificate"
        && tls.message == "this node's TLS certificate (tls.pem): the certificate expired", "\(tls)")
  }

  @Test("a peer's clock: within 10 s is ok, beyond is a warning, beyond the allowed drift an error")
  func clock() {
    #expect(DoctorRules.clock(peer: "yrd", offset: 4, uncertainty: 0.01, maximumDrift: 300).severity == .ok)
    #expect(
      DoctorRules.clock(peer: "yrd", offset: -30, uncertainty: 0.01, maximumDrift: 300).severity == .warning)
    // The uncertainty counts in the clock's favour: 12 s measured over a 6 s round trip may be 9 s.
    #expect(DoctorRules.clock(peer: "yrd", offset: 12, uncertainty: 3, maximumDrift: 300).severity == .ok)
    // A few milliseconds, known to within one, is agreement, not "0.0 s ahead", and says how close.
    let close = DoctorRules.clock(peer: "yrd", offset: -0.004, uncertainty: 0.001, maximumDrift: 300)
    #expect(close.severity == .ok && close.message.contains("agrees with yrd's to within 5 ms"), "\(close)")
    let loose = DoctorRules.clock(peer: "yrd", offset: 0.5, uncertainty: 1.5, maximumDrift: 300)
    #expect(loose.severity == .ok && loose.message.contains("to within 2.0 s"), "\(loose)")
    let ahead = DoctorRules.clock(peer: "yrd", offset: -600, uncertainty: 0.01, maximumDrift: 300)
    #expect(ahead.severity == .error)
    #expect(
      ahead.message.contains("600.0 s ahead of yrd's") && ahead.message.contains("yrd refuses"), "\(ahead)")
    let behind = DoctorRules.clock(peer: "yrd", offset: 600, uncertainty: 0.01, maximumDrift: 300)
    #expect(behind.message.contains("behind") && behind.message.contains("refused here"), "\(behind)")
    let stale = DoctorRules.clock(
      newestChange: now.addingTimeInterval(400), maximumDrift: 300, now: now)
    #expect(stale.severity == .error)
    #expect(
      DoctorRules.clock(newestChange: now.addingTimeInterval(200), maximumDrift: 300, now: now).severity
        == .ok)
  }

  @Test("free space: an error below 256 MiB or 2 %, a warning below 1 GiB or 5 %")
  func disk() {
    let total: Int64 = 100 << 30
    #expect(DoctorRules.disk(path: "/d", free: 50 << 30, total: total).severity == .ok)
    #expect(DoctorRules.disk(path: "/d", free: 4 << 30, total: total).severity == .warning)
    #expect(DoctorRules.disk(path: "/d", free: 1 << 30, total: total).severity == .error)
    #expect(DoctorRules.disk(path: "/d", free: 200 << 20, total: 300 << 20).severity == .error)
    #expect(DoctorRules.disk(path: "/d", free: 900 << 20, total: 2 << 30).severity == .warning)
  }

  @Test(
    "evidence: a damaged file in the sample is an error, damage not yet repaired a warning, no sample a skip")
  func evidence() {
    #expect(DoctorRules.evidence(sampled: 20, held: 100, damaged: [], recorded: 0).severity == .ok)
    let found = DoctorRules.evidence(
      sampled: 20, held: 100, damaged: [String(repeating: "ab", count: 32)], recorded: 0)
    #expect(
      found.severity == .error && found.message.contains("1 of 20") && found.message.contains("abababab"))
    #expect(DoctorRules.evidence(sampled: 20, held: 100, damaged: [], recorded: 2).severity == .warning)
    #expect(DoctorRules.evidence(sampled: 0, held: 100, damaged: [], recorded: 0).severity == .skipped)
    #expect(DoctorRules.evidence(sampled: 0, held: 0, damaged: [], recorded: 0).severity == .skipped)
  }

  @Test("the report's exit status is that of its worst finding; skipped checks count as ok")
  func exitStatus() {
    func report(_ severities: DoctorFinding.Severity...) -> DoctorReport {
      DoctorReport(
        node: "jjj", findings: severities.map { DoctorFinding(check: "x", severity: $0, message: "m") })
    }
    #expect(report(.ok, .skipped).exitStatus == 0)
    #expect(report(.ok, .warning, .skipped).exitStatus == 1)
    #expect(report(.warning, .error, .ok).exitStatus == 2)
    #expect(report().exitStatus == 0)
  }
}
