import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import Testing

/// Requests under an Idempotency-Key, through the application layer: a retry never acts twice,
/// even when the first attempt's change committed and its answer was lost (a database's
/// failover, a `serve` process killed), and a refused attempt leaves the key free.
@Suite("Idempotent acts")
struct IdempotencyTests {
  static let caller = Caller(account: "li.wei", role: .officer)
  static let lead = NewLead(
    subject: SubjectRecord(kind: .shop, name: "速通检测服务店"),
    fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: "一天出报告"), audience: .all)

  /// What a lost answer looks like to the act: its change is stored, and then it fails.
  struct AnswerLost: Error {}

  @Test(
    "a retry after a commit whose answer was lost returns the first attempt's lead and change, and signs nothing more"
  )
  func lostAnswer() throws {
    let node = try SimulatedNode("n0")
    let app = node.app
    let request = Data("lead".utf8)
    let before = try node.store.versionVector()[node.id] ?? 0
    var first: ActResult<LeadView>?
    #expect(throws: AnswerLost.self) {
      _ = try app.once(by: Self.caller, key: "k1", request: request) { () -> LeadView in
        first = try app.addLead(Self.lead, by: Self.caller.officer)
        throw AnswerLost()
      }
    }
    let committed = try #require(first)
    let retried = try app.once(by: Self.caller, key: "k1", request: request) {
      try app.addLead(Self.lead, by: Self.caller.officer).view
    }
    #expect(retried.id == committed.view.id)
    #expect(try node.store.versionVector()[node.id] == before + 1, "one change signed, not two")
    #expect(try app.leads(LeadQuery()).items.count == 1)
    // Once answered, the result is kept: a third request is answered from it.
    let third = try app.once(by: Self.caller, key: "k1", request: request) { () -> LeadView in
      Issue.record("acted a third time")
      throw AnswerLost()
    }
    #expect(third.id == committed.view.id)
  }

  @Test("a refused attempt leaves its key free for the corrected request")
  func refusedAttempt() throws {
    let node = try SimulatedNode("n0")
    let app = node.app
    var blank = Self.lead
    blank.subject.name = ""
    #expect(throws: (any Error).self) {
      _ = try app.once(by: Self.caller, key: "k2", request: Data("blank".utf8)) {
        try app.addLead(blank, by: Self.caller.officer).view
      }
    }
    let corrected = try app.once(by: Self.caller, key: "k2", request: Data("corrected".utf8)) {
      try app.addLead(Self.lead, by: Self.caller.officer).view
    }
    #expect(corrected.summary == "一天出报告")
  }

  @Test("an attempt that finds its key realised by another's change meanwhile is refused, and signs nothing")
  func inFlight() throws {
    let node = try SimulatedNode("n0")
    let app = node.app
    try node.store.claimIdempotentKey(account: "li.wei", key: "k3", requestSHA256: Data([1]), at: Date())
    // Two attempts that both read the key before either acted (two serve processes of a hub).
    let attempts = (0..<2).map { _ in IdempotentClaim(account: "li.wei", key: "k3", realisedBy: nil) }
    _ = try IdempotentClaim.$current.withValue(attempts[0]) {
      try app.addLead(Self.lead, by: Self.caller.officer)
    }
    let before = try node.store.versionVector()[node.id]
    #expect(
      thrownCode {
        _ = try IdempotentClaim.$current.withValue(attempts[1]) {
          try app.addLead(Self.lead, by: Self.caller.officer)
        }
      } == "api.idempotency-in-flight")
    #expect(try node.store.versionVector()[node.id] == before)
    #expect(try node.store.idempotentRequest(account: "li.wei", key: "k3")?.change != nil)
  }
}
