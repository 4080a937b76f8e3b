import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import Testing

/// Officer accounts and API tokens, through the application layer: who may act, and for how long.
@Suite("Accounts, roles and API tokens")
struct AccountTests {
  @Test("a token acts as its account until it expires, is revoked, or the account is disabled")
  func tokenLife() throws {
    let app = try SimulatedNode("n0").app
    let now = Date()
    _ = try app.addAccount("li.wei", role: .officer, now: now)
    let issued = try app.issueToken(for: "li.wei", days: 30, label: "case system", now: now)
    #expect(issued.token.hasPrefix("ld_") && issued.token.count > 40)
    #expect(try app.authenticate(token: issued.token, now: now) == Caller(account: "li.wei", role: .officer))
    #expect(
      thrownCode { _ = try app.authenticate(token: issued.token, now: now.addingTimeInterval(31 * 86_400)) }
        == "auth.token-expired")
    #expect(thrownCode { _ = try app.authenticate(token: nil) } == "auth.no-token")
    #expect(
      thrownCode { _ = try app.authenticate(token: "ld_" + String(issued.token.dropFirst(3).reversed())) }
        == "auth.bad-token")
    #expect(try app.listAccounts().first?.activeTokens == 1)

    #expect(try app.revokeTokens(of: "li.wei", now: now) == 1)
    #expect(thrownCode { _ = try app.authenticate(token: issued.token, now: now) } == "auth.token-revoked")
    let second = try app.issueToken(for: "li.wei", now: now)
    _ = try app.disableAccount("li.wei", now: now)
    #expect(thrownCode { _ = try app.authenticate(token: second.token, now: now) } == "auth.account-disabled")
    #expect(thrownCode { _ = try app.issueToken(for: "li.wei", now: now) } == "account.disabled")
  }

  @Test("names, duplicates, unknown accounts and token lifetimes are checked")
  func mistakes() throws {
    let app = try SimulatedNode("n0").app
    #expect(thrownCode { _ = try app.addAccount("Li Wei", role: .officer) } == "account.invalid-name")
    #expect(thrownCode { _ = try app.addAccount("7up", role: .officer) } == "account.invalid-name")
    _ = try app.addAccount("zhang.min", role: .auditor)
    #expect(thrownCode { _ = try app.addAccount("zhang.min", role: .officer) } == "account.exists")
    #expect(thrownCode { _ = try app.issueToken(for: "nobody") } == "account.not-found")
    #expect(thrownCode { _ = try app.issueToken(for: "zhang.min", days: 0) } == "usage.token-days")
  }

  @Test(
    "roles: an operator sees no case content but manages accounts, an auditor acts on nothing",
    arguments: OfficerRole.allCases)
  func roles(role: OfficerRole) {
    let caller = Caller(account: "a", role: role)
    let expected: [Permission: Bool] =
      switch role {
      case .officer, .supervisor:
        [.readCases: true, .actOnCases: true, .readNode: true, .manageAccounts: false]
      case .operator: [.readCases: false, .actOnCases: false, .readNode: true, .manageAccounts: true]
      case .auditor: [.readCases: true, .actOnCases: false, .readNode: true, .manageAccounts: false]
      }
    for (permission, allowed) in expected {
      #expect((thrownCode { try caller.require(permission) } == nil) == allowed, "\(role) \(permission)")
      if !allowed { #expect(thrownCode { try caller.require(permission) } == "auth.not-permitted") }
    }
  }

  @Test("an act with an idempotency key happens once; the key cannot be reused for another act")
  func idempotent() throws {
    let node = try SimulatedNode("n0")
    let app = node.app
    let caller = Caller(account: "li.wei", role: .officer)
    var acted = 0
    func act(_ request: String) throws -> String {
      try app.once(by: caller, key: "k-1", request: Data(request.utf8)) {
        acted += 1
        return "result \(acted)"
      }
    }
    #expect(try act("lead A") == "result 1")
    #expect(try act("lead A") == "result 1", "a retry returns the first result")
    #expect(acted == 1)
    #expect(thrownCode { _ = try act("lead B") } == "api.idempotency-key-reused")
    #expect(
      thrownCode { _ = try app.once(by: caller, key: "two words", request: Data()) { 1 } }
        == "api.idempotency-key")
    let other = Caller(account: "zhang.min", role: .officer)
    #expect(try app.once(by: other, key: "k-1", request: Data("lead A".utf8)) { "theirs" } == "theirs")
  }

  @Test("lead pages: newest first, filtered, and a cursor that neither repeats nor skips")
  func pages() throws {
    let node = try SimulatedNode("n0")
    let app = node.app
    for index in 0..<5 {
      _ = try app.addLead(
        NewLead(
          subject: SubjectRecord(kind: .shop, name: index == 3 ? "速通检测服务店" : "某店\(index)"),
          fields: LeadFields(
            violations: [.forgedReport], subjectIDs: [], summary: "lead \(index)",
            risk: index.isMultiple(of: 2) ? .high : .low),
          audience: .all),
        by: Officer("li.wei"), now: node.tick())
    }
    let first = try app.leads(LeadQuery(limit: 2))
    #expect(first.items.map(\.summary) == ["lead 4", "lead 3"] && first.nextCursor != nil)
    let second = try app.leads(LeadQuery(limit: 2, cursor: first.nextCursor))
    #expect(second.items.map(\.summary) == ["lead 2", "lead 1"])
    let last = try app.leads(LeadQuery(limit: 2, cursor: second.nextCursor))
    #expect(last.items.map(\.summary) == ["lead 0"] && last.nextCursor == nil)
    #expect(try app.leads(LeadQuery(risk: .high)).items.count == 3)
    #expect(try app.leads(LeadQuery(text: "速通")).items.map(\.summary) == ["lead 3"])
    #expect(thrownCode { _ = try app.leads(LeadQuery(limit: 0)) } == "usage.limit")
    #expect(thrownCode { _ = try app.leads(LeadQuery(cursor: "%%%")) } == "api.bad-cursor")
    // A search text longer than any name is refused alike, paged or whole.
    let tooLong = LeadQuery(text: String(repeating: "店", count: 201))
    #expect(thrownCode { _ = try app.leads(tooLong) } == "input.too-long")
    #expect(thrownCode { _ = try app.allLeads(tooLong) } == "input.too-long")
  }

  @Test(
    "an indexed page query gives exactly the leads the reference filter keeps, newest first, across every page, for random leads and filters"
  )
  func pagesMatchTheFilter() throws {
    let seed = replayableSeed("lead pages")
    var random = SeededGenerator(seed: seed)
    let node = try SimulatedNode("n0")
    let app = node.app
    let names = ["速通检测服务店", "某认证店", "ABC Testing", "abc_lab", "100% 检测", "某店"]
    let words = ["检测报告", "CCC 认证", "one-day REPORT", "假冒", "50%_off", "其他"]
    for _ in 0..<60 {
      let uscc = Bool.random(using: &random) ? "91310000MA1FL8XQ37" : nil
      _ = try app.addLead(
        NewLead(
          subject: SubjectRecord(kind: .shop, name: names.randomElement(using: &random)!, uscc: uscc),
          fields: LeadFields(
            violations: [Violation.allCases.randomElement(using: &random)!], subjectIDs: [],
            summary: words.randomElement(using: &random)! + " \(Int.random(in: 0..<9, using: &random))",
            risk: RiskLevel.allCases.randomElement(using: &random)!),
          audience: .all),
        by: Officer("li.wei"), now: node.tick())
    }
    let all = Array(try node.store.leads().reversed())
    for _ in 0..<40 {
      var query = LeadQuery(limit: Int.random(in: 1...7, using: &random))
      if Bool.random(using: &random) { query.risk = RiskLevel.allCases.randomElement(using: &random) }
      if Int.random(in: 0..<3, using: &random) == 0 {
        query.violation = Violation.allCases.randomElement(using: &random)
      }
      if Bool.random(using: &random) {
        query.text = ["检测", "abc", "REPORT", "%", "_", "91310000ma1fl8xq37", "店", "one-day"].randomElement(
          using: &random)
      }
      var paged: [String] = []
      var pages = 0
      repeat {
        let page = try app.leads(query)
        paged += page.items.map(\.id)
        query.cursor = page.nextCursor
        pages += 1
      } while query.cursor != nil && pages < 100
      let expected = all.filter(query.matches).map(\.id)
      #expect(paged == expected, "seed \(seed), query \(query)")
    }
  }
}
