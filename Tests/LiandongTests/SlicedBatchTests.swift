import Foundation
import LiandongCore
import LiandongProtocol
import NIOCore
import Testing

@testable import LiandongNode

/// A received batch is checked and committed in slices (`PendingCommit`); the peer must still see
/// one acknowledgement per batch, holding everything the batch's slices stored and refused.
@Suite("A batch committed in slices is acknowledged as one", .serialized)
struct SlicedBatchTests {
  let federation: TestFederation

  init() throws { federation = try TestFederation(label: "sliced-batch", nodes: ["yrd", "evil"]) }

  @Test("a batch of three slices gets one acknowledgement with every slice's changes and its refusal")
  func oneAcknowledgement() async throws {
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let evil = try SimulatedNode("evil", federation: federation)
    for index in 0..<(PendingCommit.sliceChanges * 2 + 40) { try evil.addLead(summary: "lead \(index)") }
    var changes = try evil.store.changes(after: [:])
    // The batch's last change, in its last slice, with a signature that does not match.
    let last = changes.removeLast()
    var signature = last.signature
    signature[0] ^= 0x01
    changes.append(try SignedChange(headerBytes: last.headerBytes, signature: signature, body: last.body))
    let batch = changes
    let (first, second) = try await withRawSession(federation, port: yrd.port) {
      outbound, frames -> (BatchAcknowledgement, BatchAcknowledgement) in
      try await outbound.write(ByteBuffer(bytes: FrameCoding.encode(.batch(number: 1, changes: batch))))
      // Then the announcement again: a duplicate, in a batch of its own.
      try await outbound.write(ByteBuffer(bytes: FrameCoding.encode(.batch(number: 2, changes: [batch[0]]))))
      var acknowledgements: [BatchAcknowledgement] = []
      while acknowledgements.count < 2 {
        let reply = try await frames.nextReply()
        guard case .ack(let ack) = reply else {
          throw TestFailure("no acknowledgement: \(String(describing: reply))")
        }
        acknowledgements.append(ack)
      }
      return (acknowledgements[0], acknowledgements[1])
    }
    #expect(first.number == 1 && second.number == 2, "acknowledged \(first.number), then \(second.number)")
    #expect(first.stored == batch.count - 1 && first.duplicates == 0, "\(first)")
    #expect(
      first.refusals.map { String($0.prefix { $0 != ":" }) } == ["change.bad-signature"], "\(first.refusals)")
    #expect(first.refusedChanges.map(\.change) == [last.id])
    #expect(second.stored == 0 && second.duplicates == 1, "\(second)")
    let status = try await yrd.status()
    #expect((status["versionVector"] as? [String: Int])?["evil"] == batch.count - 1, "\(status)")
  }
}
