import Foundation
import Testing

@testable import LiandongCore

/// A local change's body is encoded and decoded before its transaction (`PreparedBody`). What
/// peers depend on: a node folds what the change's bytes say, so a prepared decoding stands in
/// only for the very bytes it was made from.
@Suite("Bodies prepared before the write transaction")
struct PreparedBodyTests {
  @Test("a prepared decoding is used only for the bytes it was decoded from")
  func onlyForItsBytes() throws {
    let node = try SimulatedNode("n0")
    let made = { (summary: String) in
      ChangeBody(
        officer: "o",
        operations: [
          DomainOperation(
            objectID: ObjectID(),
            action: .createLead(LeadFields(violations: [.forgedReport], subjectIDs: [], summary: summary)))
        ])
    }
    let body = made("what the change says"), other = made("something else")
    let change = try node.author!.sign(
      body: body, audience: .all, after: nil, time: HLCTimestamp(wallMillis: 1, counter: 0))
    var context = IngestContext(
      receiver: node.id, held: nil, predecessor: nil, heldThrough: 0, signers: [:], quarantined: false,
      physicalMillis: 1, prepared: PreparedBody(other))
    #expect(context.decodedBody(of: change) == body)
    context.prepared = PreparedBody(body)
    #expect(context.prepared?.bytes == change.body)
    #expect(context.decodedBody(of: change) == body)
  }
}
