import Foundation
import LiandongStore
import Testing

@testable import LiandongCore

/// A local change's body is encoded and decoded before its transaction, and a received batch's
/// decoded while the batch before it commits (`PreparedBody`). What peers depend on: a node folds
/// what the change's bytes say, so a prepared decoding stands in only for the very bytes it was
/// made from.
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

  @Test("a received batch's bodies are decoded index for index, across the workers' slices, stubs left out")
  func batchDecodedInOrder() throws {
    let (_, log) = try SignatureCheckTests.origin("n0", leads: 150)
    let changes = log.enumerated().map { $0.offset % 7 == 3 ? $0.element.stub : $0.element }
    let bodies = PreparedBody.decoding(changes)
    #expect(bodies.count == changes.count)
    for (change, body) in zip(changes, bodies) {
      #expect(body?.bytes == change.body)
      #expect(body?.decoded == change.decodedBody())
    }
    #expect(bodies.filter { $0 == nil }.count == changes.filter(\.isStub).count)
    #expect(PreparedBody.decoding([]).isEmpty)
  }

  @Test("a receiver handed other changes' decodings still stores what each change's bytes say")
  func receiverFoldsTheBytes() throws {
    let (origin, log) = try SignatureCheckTests.origin("n0", leads: 40)
    let receiver = {
      try SimulatedNode(replicaOf: NodeID("n1"), verifier: origin.verifier, clockMillis: origin.clockMillis)
    }
    let honest = try receiver(), misled = try receiver()
    #expect(try honest.receive(log).allSatisfy { $0 == .stored })
    // Every change handed the decoding of the one after it.
    let shifted = Array(PreparedBody.decoding(log).dropFirst()) + [nil]
    let outcomes = try misled.store.ingest(
      log, verifier: misled.verifier, physicalMillis: misled.clockMillis, bodies: shifted)
    #expect(outcomes.allSatisfy { $0 == .stored })
    #expect(try misled.store.projectionDigest() == honest.store.projectionDigest())
    #expect(try misled.store.leads().count == 40)
  }
}
