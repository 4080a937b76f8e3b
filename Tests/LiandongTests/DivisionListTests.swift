import Foundation
import LiandongCore
import LiandongTesting
import Testing

@Suite("Division codes checked against the GB/T 2260 list")
struct DivisionListTests {
  private let small = try! DivisionList(
    tsv: "# a comment\n\n310000\t上海市\n310100\t市辖区\n310101\t黄浦区\n310115\t浦东新区\n440000 广东省\n", source: "test")

  @Test("a listed code passes; an unlisted one is refused with codes nearby, or the provinces")
  func rule() throws {
    try small.check("310115")
    try small.check("440000")
    let sameCity = try #require(throws: CoreError.self) { try small.check("310199") }
    #expect(sameCity.code == "input.division-code" && "\(sameCity)".contains("310101 黄浦区, 310115 浦东新区"))
    let noProvince = try #require(throws: CoreError.self) { try small.check("999999") }
    #expect("\(noProvince)".contains("no province has the code 99"), "\(noProvince)")
    #expect(throws: CoreError.self) { try small.check("31011x") }
  }

  @Test("a list file with a bad line or no code is refused, naming the line")
  func badList() throws {
    let bad = try #require(throws: CoreError.self) {
      try DivisionList(tsv: "310000\t上海市\n31011\t浦东\n", source: "mine.tsv")
    }
    #expect(bad.code == "config.divisions" && "\(bad)".contains("mine.tsv, line 2"), "\(bad)")
    #expect(throws: CoreError.self) { try DivisionList(tsv: "# nothing\n", source: "empty.tsv") }
  }

  @Test("the built-in list has every province and the counties of the federation's regions")
  func builtIn() throws {
    let text = try String(
      contentsOf: repositoryRoot.appendingPathComponent("Sources/LiandongApp/Divisions/cn-divisions.tsv"),
      encoding: .utf8)
    let list = try DivisionList(tsv: text, source: "built in")
    #expect(list.names.count > 3000)
    for province in ["11", "12", "13", "31", "32", "33", "34", "44", "65", "71", "81", "82"] {
      #expect(list.names[province + "0000"] != nil, "\(province)")
    }
    #expect(list.names["310115"] == "浦东新区" && list.names["110105"] == "朝阳区")
  }

  @Test(
    "lead add and lead import refuse a code not in the node's list; an operator's own list, named in node.json, is read instead"
  )
  func onANode() async throws {
    let federation = try TestFederation(label: "divisions", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    func add(_ code: String) async throws -> ProcessResult {
      try await jjj.cli(
        "lead", "add", "--subject-name", "某店", "--subject-division", code, "--violation", "other",
        "--summary",
        "s")
    }
    let unknown = try await add("999999")
    #expect(
      unknown.failed(with: "input.division-code") && unknown.stderr.contains("no province has the code 99"),
      "\(unknown)")
    let nearby = try await add("310199")
    #expect(nearby.failed(with: "input.division-code") && nearby.stderr.contains("310101 黄浦区"), "\(nearby)")
    #expect(try await add("310115").status == 0)
    #expect(try await jjj.status()["leads"] as? Int == 1, "nothing stored for a refused code")

    let folder = temporaryDirectory("divisions")
    let csv = folder.appendingPathComponent("leads.csv")
    try Data(
      "subject_name,subject_division,violations,summary\n甲店,310115,other,a\n乙店,999999,other,b\n".utf8
    ).write(to: csv)
    let imported = try await jjj.cli("lead", "import", csv.path)
    #expect(
      imported.status == 2 && imported.stderr.contains("leads.csv:3: not imported")
        && imported.stderr.contains("999999"),
      "\(imported)")

    // A county created after the built-in list: the operator's own copy names it.
    let own = folder.appendingPathComponent("cn-divisions.tsv")
    try Data("310000\t上海市\n310199\t新设区\n".utf8).write(to: own)
    try jjj.editConfiguration { $0["divisions"] = own.path }
    #expect(try await add("310199").status == 0)
    try Data("310000\t上海市\n31019\t坏行\n".utf8).write(to: own)
    let broken = try await add("310199")
    #expect(broken.failed(with: "config.divisions") && broken.stderr.contains("line 2"), "\(broken)")
    try jjj.editConfiguration { $0["divisions"] = folder.appendingPathComponent("missing.tsv").path }
    let missing = try await add("310115")
    #expect(missing.failed(with: "config.divisions") && missing.stderr.contains("missing.tsv"), "\(missing)")
  }
}
