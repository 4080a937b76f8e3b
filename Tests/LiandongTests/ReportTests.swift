import Foundation
import LiandongCore
import Testing

@Suite("Campaign statistics and the lead lifecycle through the command line", .serialized)
struct ReportTests {
  @Test("decisions on received leads are fed back and counted in the report, in table, csv and json")
  func report() throws {
    let federation = try TestFederation(label: "report", nodes: ["jjj", "yrd"])
    let jjj = try NodeProcess("jjj", federation: federation)
    let yrd = try NodeProcess("yrd", federation: federation)
    try jjj.introduce(to: yrd)
    func lead(_ summary: String, kind: String, violation: String) throws -> String {
      try jjj.cli(
        "lead", "add", "--subject-name", summary, "--subject-kind", kind, "--platform", "某电商平台", "--shop-id",
        "88231", "--violation", violation, "--summary", summary, "--to", "yrd"
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let forged = try lead("one-day reports", kind: "shop", violation: "forged-report")
    let lab = try lead("a lab selling stamps", kind: "laboratory", violation: "misused-cma")
    let ccc = try lead("no CCC", kind: "shop", violation: "no-ccc")
    try jjj.carry(to: yrd)
    for id in [forged, lab, ccc] { #expect(try yrd.cli("lead", "acknowledge", id).status == 0) }
    #expect(try yrd.cli("lead", "check", forged).status == 0)
    let noCase = try yrd.cli("lead", "decide", forged, "--outcome", "case-opened")
    #expect(noCase.failed(with: "op.invalid") && noCase.stderr.contains("case reference"), "\(noCase)")
    #expect(
      try yrd.cli("lead", "decide", forged, "--outcome", "case-opened", "--case", "沪市监案〔2026〕88号").status == 0
    )
    #expect(
      try yrd.cli("lead", "decide", lab, "--outcome", "case-opened", "--case", "沪市监案〔2026〕89号").status == 0)
    #expect(
      try yrd.cli("lead", "decide", ccc, "--outcome", "transferred", "--note", "to the police").status == 0)
    let wrong = try jjj.cli("lead", "acknowledge", forged)
    #expect(wrong.failed(with: "op.not-receiver"), "\(wrong)")
    try yrd.carry(to: jjj)
    #expect(try jjj.cli("lead", "show", forged).stdout.contains("yrd: case-opened"))

    let today = CivilDate(chinaDayOf: Date().unixMillis).description
    let table = try yrd.cli("report", "--from", today, "--to", today)
    #expect(table.status == 0, "\(table)")
    let json = try yrd.cli("report", "--from", today, "--to", today, "--json").stdout
    let rows = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["rows"] as? [[String: Any]]
    )
    func value(_ item: String) -> Int? { rows.first { $0["item"] as? String == item }?["value"] as? Int }
    #expect(value("platforms involved") == 1)
    #expect(value("sellers dealt with") == 2)
    #expect(value("cases of misused qualification or forged reports handled") == 2)
    #expect(value("cases transferred to public security") == 1)
    #expect(value("cases against inspection bodies") == 1)
    #expect(value("listings removed") == nil && table.stdout.contains("not recorded"))
    let csv = try yrd.cli("report", "--from", today, "--to", today, "--format", "csv").stdout
    #expect(csv.hasPrefix("item,value,basis\n") && csv.contains("\"sellers dealt with\",\"2\""))
    // Another period counts nothing; a reversed range is refused.
    #expect(
      try yrd.cli("report", "--from", "2025-01-01", "--to", "2025-01-31", "--json").stdout.contains(
        "\"value\" : 0"))
    let reversed = try yrd.cli("report", "--from", "2026-02-01", "--to", "2026-01-01")
    #expect(reversed.failed(with: "usage.date-range"))
  }

  @Test("two regions with open leads on the same subject both get an alert; a closed-out lead raises none")
  func alerts() throws {
    let federation = try TestFederation(label: "alerts", nodes: ["jjj", "yrd", "prd"])
    let jjj = try NodeProcess("jjj", federation: federation)
    let yrd = try NodeProcess("yrd", federation: federation)
    let prd = try NodeProcess("prd", federation: federation)
    func lead(_ node: NodeProcess, _ arguments: String...) throws -> String {
      try node.cli(
        [
          "lead", "add", "--subject-name", "速通检测", "--violation", "forged-report", "--summary", "s", "--to",
          "all",
        ]
          + arguments
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let a = try lead(jjj, "--subject-uscc", "91350100M000100Y43")
    let b = try lead(yrd, "--subject-uscc", "91350100M000100Y43")
    let c = try lead(prd, "--platform", "某电商平台", "--shop-id", "88231")
    let d = try lead(jjj, "--platform", "某电商平台", "--shop-id", "88231")
    for (from, to) in [(jjj, yrd), (yrd, jjj), (prd, jjj), (jjj, prd), (jjj, yrd)] { try from.carry(to: to) }
    for node in [jjj, yrd] {
      let alerts = try node.cli("alerts").stdout
      #expect(
        alerts.contains("uscc 91350100M000100Y43") && alerts.contains(a) && alerts.contains(b), "\(alerts)")
      #expect(alerts.contains("shop 某电商平台/88231") && alerts.contains(c) && alerts.contains(d), "\(alerts)")
    }
    // Once jjj withdraws its lead, the USCC alert is gone.
    #expect(try jjj.cli("lead", "withdraw", a, "--note", "unfounded").status == 0)
    #expect(!(try jjj.cli("alerts").stdout.contains("uscc")))
  }

  @Test("when only one region can see both leads, notify warns the other, once; a bystander learns nothing")
  func oneSidedAlert() throws {
    let federation = try TestFederation(label: "one-sided", nodes: ["jjj", "yrd", "prd"])
    let (jjj, yrd, prd) = (
      try NodeProcess("jjj", federation: federation), try NodeProcess("yrd", federation: federation),
      try NodeProcess("prd", federation: federation)
    )
    func lead(_ node: NodeProcess, to: String) throws -> String {
      try node.cli(
        "lead", "add", "--subject-name", "速通检测", "--subject-uscc", "91350100M000100Y43", "--violation",
        "forged-report", "--summary", "s", "--to", to
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let secret = try lead(jjj, to: "origin-only")
    let open = try lead(yrd, to: "all")
    for (from, to) in [(yrd, jjj), (jjj, yrd), (jjj, prd), (yrd, prd)] { try from.carry(to: to) }
    let seen = try jjj.cli("alerts").stdout
    #expect(seen.contains(secret) && seen.contains(open) && seen.contains("not seen by yrd"), "\(seen)")
    #expect(seen.contains("alerts notify"), "\(seen)")
    #expect(try yrd.cli("alerts").stdout.contains("no alerts"))

    let notify = try jjj.cli("alerts", "notify", "--json")
    #expect(notify.status == 0, "\(notify)")
    #expect(notify.stdout.contains("\"to\" : \"yrd\""), "\(notify)")
    #expect(try jjj.cli("alerts", "notify").stdout.contains("nothing to warn of"))
    for to in [yrd, prd] { try jjj.carry(to: to) }
    let warned =
      try JSONSerialization.jsonObject(with: Data(try yrd.cli("alerts", "--json").stdout.utf8))
      as? [[String: Any]] ?? []
    #expect(warned.count == 1 && warned.first?["otherLead"] as? String == secret, "\(warned)")
    #expect(warned.first?["warnedBy"] as? String == "jjj" && warned.first?["lead"] as? String == open)
    // yrd still cannot read jjj's lead; prd, outside the warning, sees nothing.
    #expect(try yrd.cli("lead", "show", secret).status != 0)
    #expect(try prd.cli("alerts").stdout.contains("no alerts"))
  }
}
