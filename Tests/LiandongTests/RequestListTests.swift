import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore
import Testing

/// `request list`'s filters, through the application layer, on both sides of a request.
@Suite("Listing requests")
struct RequestListTests {
  @Test("by direction, other bureau, state, text and the day sent; a backwards range is refused")
  func filters() throws {
    let jjj = try SimulatedNode("n0"), yrd = try SimulatedNode("n1"), prd = try SimulatedNode("n2")
    try SimulatedNode.acquaint([jjj, yrd, prd])
    let toYrd = try jjj.sendRequest(to: yrd.id, caseReference: "京市监案〔2026〕17号")
    let toPrd = try jjj.sendRequest(to: prd.id, caseReference: "京市监案〔2026〕18号")
    let fromYrd = try yrd.sendRequest(to: jjj.id, caseReference: "沪市监-2026-3")
    try exchange(jjj, yrd, prd)
    try yrd.act(.acknowledge, on: toYrd)
    try exchange(jjj, yrd, prd)

    func listed(_ change: (inout RequestQuery) -> Void, on node: SimulatedNode = jjj) throws -> Set<String> {
      var query = RequestQuery()
      change(&query)
      return Set(try node.app.requests(query).map(\.id))
    }
    let all: Set = [toYrd.description, toPrd.description, fromYrd.description]
    #expect(try listed { _ in } == all)
    #expect(try listed { $0.direction = .sent } == [toYrd.description, toPrd.description])
    #expect(try listed { $0.direction = .received } == [fromYrd.description])
    #expect(try listed { $0.peer = "n1" } == [toYrd.description, fromYrd.description])
    #expect(try listed { $0.state = .acknowledged } == [toYrd.description])
    #expect(try listed { $0.text = "〔2026〕18" } == [toPrd.description])
    #expect(try listed { $0.text = "PENALTY procedure" } == all)  // the legal basis, ASCII in any case
    // On yrd, "received" is the other side of the same request.
    #expect(try listed({ $0.direction = .received }, on: yrd) == [toYrd.description])
    let today = CivilDate(chinaDayOf: Date().unixMillis)
    #expect(try listed { ($0.from, $0.to) = (today, today) } == all)
    #expect(try listed { $0.from = today.adding(days: 1) }.isEmpty)
    let error = try #require(throws: (any Error).self) {
      _ = try listed { ($0.from, $0.to) = (today, today.adding(days: -1)) }
    }
    #expect((error as? any CodedError)?.code == "usage.date-range")
  }
}
