import Foundation
import Testing

/// `lead list` for a caseload: filters, text search over Chinese and English, and pages.
@Suite("Listing leads")
struct LeadListTests {
  @Test("filters by state, risk and text (Chinese, English, a USCC); pages by cursor without repeats or gaps")
  func filtersAndPages() throws {
    let federation = try TestFederation(label: "lead-list", nodes: ["jjj"])
    let jjj = try NodeProcess("jjj", federation: federation)
    for index in 0..<7 {
      let risk = index % 2 == 0 ? "high" : "low"
      let name = index == 3 ? "速通检测服务店" : "Shop \(index)"
      var arguments = [
        "lead", "add", "--subject-name", name, "--violation", "forged-report", "--risk", risk, "--summary",
        index == 5 ? "sells FORGED CMA reports" : "lead \(index)",
      ]
      if index == 6 { arguments += ["--subject-uscc", "91350100M000100Y43"] }
      #expect(try jjj.cli(arguments).status == 0)
    }
    func ids(_ arguments: String...) throws -> [String] {
      let output = try jjj.cli(["lead", "list", "--json"] + arguments).stdout
      let json = try JSONSerialization.jsonObject(with: Data(output.utf8))
      let items = (json as? [[String: Any]]) ?? ((json as? [String: Any])?["items"] as? [[String: Any]]) ?? []
      return items.compactMap { $0["id"] as? String }
    }
    #expect(try ids("--risk", "high").count == 4)
    #expect(try ids("--search", "检测").count == 1)
    #expect(try ids("--search", "cma reports").count == 1)
    #expect(try ids("--search", "91350100M000100Y43").count == 1)
    #expect(try ids("--state", "published", "--risk", "low").count == 3)
    let none = try jjj.cli("lead", "list", "--search", "nothing like this")
    #expect(none.status == 0 && none.stdout.contains("no leads match"), "\(none)")
    let badState = try jjj.cli("lead", "list", "--state", "open")
    #expect(badState.failed(with: "input.value") && badState.stderr.contains("published"), "\(badState)")

    // Pages of three, newest first: every lead once.
    var seen: [String] = []
    var cursor: String? = nil
    repeat {
      var arguments = ["lead", "list", "--json", "--limit", "3"]
      if let cursor { arguments += ["--cursor", cursor] }
      let page = try #require(
        try JSONSerialization.jsonObject(with: Data(try jjj.cli(arguments).stdout.utf8)) as? [String: Any])
      seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
      cursor = page["nextCursor"] as? String
    } while cursor != nil && seen.count < 20
    let all = try ids()
    #expect(seen == all.reversed(), "pages: \(seen), all: \(all)")
    let text = try jjj.cli("lead", "list", "--limit", "3")
    #expect(text.stdout.contains("next page: the same command with --cursor "), "\(text)")
    let tooMany = try jjj.cli("lead", "list", "--limit", "500")
    #expect(tooMany.failed(with: "usage.limit"), "\(tooMany)")
  }
}
