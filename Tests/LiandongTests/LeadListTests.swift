import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore
import Testing

/// `lead list` for a caseload: filters, text search over Chinese and English, and pages.
@Suite("Listing leads")
struct LeadListTests {
  @Test("filters by state, risk and text (Chinese, English, a USCC); pages by cursor without repeats or gaps")
  func filtersAndPages() async throws {
    let federation = try TestFederation(label: "lead-list", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    for index in 0..<7 {
      let risk = index % 2 == 0 ? "high" : "low"
      let name = index == 3 ? "速通检测服务店" : "Shop \(index)"
      var arguments = [
        "lead", "add", "--subject-name", name, "--violation", "forged-report", "--risk", risk, "--summary",
        index == 5 ? "sells FORGED CMA reports" : "lead \(index)",
      ]
      if index == 6 { arguments += ["--subject-uscc", "91350100M000100Y43"] }
      #expect(try await jjj.cli(arguments).status == 0)
    }
    func ids(_ arguments: String...) async throws -> [String] {
      let output = try await jjj.cli(["lead", "list", "--json"] + arguments).stdout
      let json = try JSONSerialization.jsonObject(with: Data(output.utf8))
      let items = (json as? [[String: Any]]) ?? ((json as? [String: Any])?["items"] as? [[String: Any]]) ?? []
      return items.compactMap { $0["id"] as? String }
    }
    #expect(try await ids("--risk", "high").count == 4)
    #expect(try await ids("--search", "检测").count == 1)
    #expect(try await ids("--search", "cma reports").count == 1)
    #expect(try await ids("--search", "91350100M000100Y43").count == 1)
    #expect(try await ids("--state", "published", "--risk", "low").count == 3)
    #expect(try await ids("--violation", "forged-report", "--origin", "jjj", "--owner", "jjj").count == 7)
    #expect(try await ids("--violation", "misused-cma").isEmpty)
    #expect(try await ids("--origin", "yrd").isEmpty)
    let none = try await jjj.cli("lead", "list", "--search", "nothing like this")
    #expect(none.status == 0 && none.stdout.contains("no leads match"), "\(none)")
    let badState = try await jjj.cli("lead", "list", "--state", "open")
    #expect(badState.failed(with: "input.value") && badState.stderr.contains("published"), "\(badState)")

    // Pages of three, newest first: every lead once.
    var seen: [String] = []
    var cursor: String? = nil
    repeat {
      var arguments = ["lead", "list", "--json", "--limit", "3"]
      if let cursor { arguments += ["--cursor", cursor] }
      let page = try await #require(
        try JSONSerialization.jsonObject(with: Data(try jjj.cli(arguments).stdout.utf8)) as? [String: Any])
      seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
      cursor = page["nextCursor"] as? String
    } while cursor != nil && seen.count < 20
    let all = try await ids()
    #expect(seen == all.reversed(), "pages: \(seen), all: \(all)")
    let text = try await jjj.cli("lead", "list", "--limit", "3")
    #expect(text.stdout.contains("next page: the same command with --cursor "), "\(text)")
    let tooMany = try await jjj.cli("lead", "list", "--limit", "500")
    #expect(tooMany.failed(with: "usage.limit"), "\(tooMany)")

    // Days (in China) and order.
    let today = CivilDate(chinaDayOf: Date().unixMillis)
    #expect(try await ids("--from", today.description, "--to", today.description) == all)
    #expect(try await ids("--from", today.adding(days: 1).description).isEmpty)
    #expect(try await ids("--to", today.adding(days: -1).description, "--limit", "5").isEmpty)
    #expect(try await ids("--sort", "newest") == all.reversed())
    #expect(try await ids("--sort", "oldest", "--limit", "3") == Array(all.prefix(3)))
    let backwards = try await jjj.cli("lead", "list", "--from", "2026-12-05", "--to", "2026-12-01")
    #expect(
      backwards.failed(with: "usage.date-range") && backwards.stderr.contains("2026-12-05"), "\(backwards)")
    let sideways = try await jjj.cli("lead", "list", "--sort", "sideways")
    #expect(
      sideways.failed(with: "usage.sort") && sideways.stderr.contains("newest or oldest"), "\(sideways)")
    let both = try await jjj.cli("request", "list", "--sent", "--received")
    #expect(both.failed(with: "usage.arguments") && both.stderr.contains("exclude each other"), "\(both)")
    let noRequests = try await jjj.cli("request", "list", "--state", "sent")
    #expect(noRequests.status == 0 && noRequests.stdout.contains("no requests match"), "\(noRequests)")
    let noDay = try await jjj.cli("lead", "list", "--from", "2026-02-30")
    #expect(noDay.failed(with: "input.date") && noDay.stderr.contains("28 days"), "\(noDay)")
  }
}

extension LeadListTests {
  /// A page reads its leads' hand-offs, handling, notes and subjects for the whole page at once;
  /// each lead must come out exactly as it does read alone.
  @Test("a page's leads, with their hand-offs, handling, notes and subjects, are each as read alone")
  func pageEqualsEachRead() async throws {
    let federation = try TestFederation(label: "lead-page-relations", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let plain = try await jjj.addLead(subject: "店甲")
    let offered = try await jjj.addLead(subject: "店乙", to: "yrd")
    let decided = try await jjj.addLead(subject: "店丙", to: "yrd")
    let withdrawn = try await jjj.addLead(subject: "店丁", to: "yrd")
    _ = try await jjj.addLead(subject: "店戊")
    #expect(try await jjj.cli("handoff", "offer", offered, "--to", "yrd", "--letter", "移送管辖").status == 0)
    #expect(try await jjj.cli("lead", "withdraw", withdrawn, "--note", "unfounded").status == 0)
    try await jjj.carry(to: yrd)
    #expect(try await yrd.cli("lead", "acknowledge", decided).status == 0)
    #expect(
      try await yrd.cli("lead", "decide", decided, "--outcome", "not-opened", "--note", "无违法").status == 0)
    try await yrd.carry(to: jjj)
    _ = plain
    let page = try await jjj.cli("lead", "list", "--json", "--limit", "200")
    let items =
      (try JSONSerialization.jsonObject(with: Data(page.stdout.utf8)) as? [String: Any])?["items"]
      as? [NSDictionary]
      ?? []
    #expect(items.count == 5, "\(page)")
    for item in items {
      let id = try #require(item["id"] as? String)
      let alone = try JSONSerialization.jsonObject(
        with: Data(try await jjj.cli("lead", "show", id, "--json").stdout.utf8))
      #expect(item == alone as? NSDictionary, "\(item)\n\(alone)")
    }
    let relations = items.map {
      ($0["handOff"] != nil, ($0["handling"] as? [Any])?.count ?? 0, $0["withdrawalNote"] != nil)
    }
    #expect(
      relations.contains { $0.0 } && relations.contains { $0.1 == 1 } && relations.contains { $0.2 },
      "\(items)")
    #expect(items.allSatisfy { ($0["subjects"] as? [Any])?.count == 1 }, "\(items)")
  }
}

@Suite("Object IDs by their first characters")
struct ObjectIDPrefixTests {
  @Test(
    "8 or more characters name one object; an ambiguous prefix lists the candidates; too short is refused")
  func prefixes() throws {
    let node = try SimulatedNode("n0")
    func lead(_ hex: String) throws -> ObjectID {
      let bytes = try #require(Data(hex: hex))
      let id = try #require(ObjectID(bytes: bytes))
      let subject = node.newObjectID()
      try node.record(
        [
          DomainOperation(objectID: subject, action: .createSubject(SubjectRecord(kind: .shop, name: "店"))),
          DomainOperation(
            objectID: id,
            action: .createLead(LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: "s"))),
        ], audience: .all)
      return id
    }
    let first = try lead("3f2b8c1e00000000000000000000000a")
    let second = try lead("3f2b8c1e00000000000000000000000b")
    let other = try lead("9a000000000000000000000000000001")
    #expect(try node.app.objectID("9a000000") == other)
    #expect(try node.app.objectID("9A00-0000") == other, "dashes and capitals as a UUID prints them")
    #expect(try node.app.objectID(first.description) == first)
    let ambiguous = try #require(throws: UsageError.self) { try node.app.objectID("3f2b8c1e") }
    #expect(ambiguous.code == "input.ambiguous-id", "\(ambiguous)")
    #expect(ambiguous.message.contains(first.description) && ambiguous.message.contains(second.description))
    let missing = try #require(throws: StoreError.self) { try node.app.objectID("deadbeef") }
    #expect(missing.code == "object.not-found")
    #expect(throws: CoreError.self) { try node.app.objectID("3f2b8c") }
  }

  @Test("the command line takes a prefix wherever it takes an ID")
  func commandLine() async throws {
    let federation = try TestFederation(label: "id-prefix", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead(subject: "某店")
    let prefix = String(lead.prefix(8))
    let shown = try await jjj.cli("lead", "show", prefix)
    #expect(shown.status == 0 && shown.stdout.contains(lead), "\(shown)")
    #expect(try await jjj.cli("lead", "edit", prefix, "--risk", "high").status == 0)
    #expect(try await jjj.cli("history", prefix).stdout.contains("edit"))
    let short = try await jjj.cli("lead", "show", String(lead.prefix(6)))
    #expect(short.failed(with: "input.object-id") && short.stderr.contains("first 8"), "\(short)")
  }
}
