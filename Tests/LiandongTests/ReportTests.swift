import Foundation
import LiandongCore
import Testing

@Suite("Campaign statistics and the lead lifecycle through the command line", .serialized)
struct ReportTests {
  @Test("decisions on received leads are fed back and counted in the report, in table, csv and json")
  func report() async throws {
    let federation = try TestFederation(label: "report", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    func lead(_ summary: String, kind: String, violation: String) async throws -> String {
      try await jjj.cli(
        "lead", "add", "--subject-name", summary, "--subject-kind", kind, "--platform", "某电商平台", "--shop-id",
        "88231", "--violation", violation, "--summary", summary, "--to", "yrd"
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let forged = try await lead("one-day reports", kind: "shop", violation: "forged-report")
    let lab = try await lead("a lab selling stamps", kind: "laboratory", violation: "misused-cma")
    let ccc = try await lead("no CCC", kind: "shop", violation: "no-ccc")
    try await jjj.carry(to: yrd)
    for id in [forged, lab, ccc] { #expect(try await yrd.cli("lead", "acknowledge", id).status == 0) }
    #expect(try await yrd.cli("lead", "check", forged).status == 0)
    let noCase = try await yrd.cli("lead", "decide", forged, "--outcome", "case-opened")
    #expect(noCase.failed(with: "op.invalid") && noCase.stderr.contains("case reference"), "\(noCase)")
    #expect(
      try await yrd.cli("lead", "decide", forged, "--outcome", "case-opened", "--case", "沪市监案〔2026〕88号")
        .status == 0
    )
    #expect(
      try await yrd.cli("lead", "decide", lab, "--outcome", "case-opened", "--case", "沪市监案〔2026〕89号").status
        == 0)
    #expect(
      try await yrd.cli("lead", "decide", ccc, "--outcome", "transferred", "--note", "to the police").status
        == 0)
    let wrong = try await jjj.cli("lead", "acknowledge", forged)
    #expect(wrong.failed(with: "op.not-receiver"), "\(wrong)")
    try await yrd.carry(to: jjj)
    #expect(try await jjj.cli("lead", "show", forged).stdout.contains("yrd: case-opened"))

    let today = CivilDate(chinaDayOf: Date().unixMillis).description
    let table = try await yrd.cli("report", "--from", today, "--to", today)
    #expect(table.status == 0, "\(table)")
    let json = try await yrd.cli("report", "--from", today, "--to", today, "--json").stdout
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
    let csv = try await yrd.cli("report", "--from", today, "--to", today, "--format", "csv").stdout
    #expect(csv.hasPrefix("item,value,basis\n") && csv.contains("\"sellers dealt with\",\"2\""))
    // Another period counts nothing; a reversed range is refused.
    #expect(
      try await yrd.cli("report", "--from", "2025-01-01", "--to", "2025-01-31", "--json").stdout.contains(
        "\"value\" : 0"))
    let reversed = try await yrd.cli("report", "--from", "2026-02-01", "--to", "2026-01-01")
    #expect(reversed.failed(with: "usage.date-range"))
  }

  @Test("two regions with open leads on the same subject both get an alert; a closed-out lead raises none")
  func alerts() async throws {
    let federation = try TestFederation(label: "alerts", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    func lead(_ node: NodeProcess, _ arguments: String...) async throws -> String {
      try await node.cli(
        [
          "lead", "add", "--subject-name", "速通检测", "--violation", "forged-report", "--summary", "s", "--to",
          "all",
        ]
          + arguments
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let a = try await lead(jjj, "--subject-uscc", "91350100M000100Y43")
    let b = try await lead(yrd, "--subject-uscc", "91350100M000100Y43")
    let c = try await lead(prd, "--platform", "某电商平台", "--shop-id", "88231")
    let d = try await lead(jjj, "--platform", "某电商平台", "--shop-id", "88231")
    for (from, to) in [(jjj, yrd), (yrd, jjj), (prd, jjj), (jjj, prd), (jjj, yrd)] {
      try await from.carry(to: to)
    }
    for node in [jjj, yrd] {
      let alerts = try await node.cli("alerts").stdout
      #expect(
        alerts.contains("uscc 91350100M000100Y43") && alerts.contains(a) && alerts.contains(b), "\(alerts)")
      #expect(alerts.contains("shop 某电商平台/88231") && alerts.contains(c) && alerts.contains(d), "\(alerts)")
    }
    // Once jjj withdraws its lead, the USCC alert is gone.
    #expect(try await jjj.cli("lead", "withdraw", a, "--note", "unfounded").status == 0)
    #expect(!(try await jjj.cli("alerts").stdout.contains("uscc")))
  }

  @Test("when only one region can see both leads, notify warns the other, once; a bystander learns nothing")
  func oneSidedAlert() async throws {
    let federation = try TestFederation(label: "one-sided", nodes: ["jjj", "yrd", "prd"])
    let (jjj, yrd, prd) = (
      try await NodeProcess("jjj", federation: federation),
      try await NodeProcess("yrd", federation: federation),
      try await NodeProcess("prd", federation: federation)
    )
    func lead(_ node: NodeProcess, to: String) async throws -> String {
      try await node.cli(
        "lead", "add", "--subject-name", "速通检测", "--subject-uscc", "91350100M000100Y43", "--violation",
        "forged-report", "--summary", "s", "--to", to
      ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let secret = try await lead(jjj, to: "origin-only")
    let open = try await lead(yrd, to: "all")
    for (from, to) in [(yrd, jjj), (jjj, yrd), (jjj, prd), (yrd, prd)] { try await from.carry(to: to) }
    let seen = try await jjj.cli("alerts").stdout
    #expect(seen.contains(secret) && seen.contains(open) && seen.contains("not seen by yrd"), "\(seen)")
    #expect(seen.contains("alerts notify"), "\(seen)")
    #expect(try await yrd.cli("alerts").stdout.contains("no alerts"))

    let notify = try await jjj.cli("alerts", "notify", "--json")
    #expect(notify.status == 0, "\(notify)")
    #expect(notify.stdout.contains("\"to\" : \"yrd\""), "\(notify)")
    #expect(try await jjj.cli("alerts", "notify").stdout.contains("nothing to warn of"))
    for to in [yrd, prd] { try await jjj.carry(to: to) }
    let warned =
      try await JSONSerialization.jsonObject(with: Data(try yrd.cli("alerts", "--json").stdout.utf8))
      as? [[String: Any]] ?? []
    #expect(warned.count == 1 && warned.first?["otherLead"] as? String == secret, "\(warned)")
    #expect(warned.first?["warnedBy"] as? String == "jjj" && warned.first?["lead"] as? String == open)
    // yrd still cannot read jjj's lead; prd, outside the warning, sees nothing.
    #expect(try await yrd.cli("lead", "show", secret).status != 0)
    #expect(try await prd.cli("alerts").stdout.contains("no alerts"))
  }
}
