import Foundation
import LiandongCore
import Testing

@testable import LiandongStore

/// A received batch's signatures are checked on every core before its transaction; these tests
/// make sure that shortcut never lets a forged change in.
@Suite("Signatures checked ahead of the write transaction")
struct SignatureCheckTests {
  /// `change` with one bit of its signature flipped: the same ID, a signature that fails.
  static func forged(_ change: SignedChange) throws -> SignedChange {
    var signature = change.signature
    signature[signature.count / 2] ^= 0x01
    return try SignedChange(headerBytes: change.headerBytes, signature: signature, body: change.body)
  }

  /// A node `name` that wrote `leads` leads, and its log (its announcement first).
  static func origin(_ name: String, leads: Int) throws -> (SimulatedNode, [SignedChange]) {
    let origin = try SimulatedNode(name)
    for index in 0..<leads { try origin.addLead(summary: "lead \(index)") }
    return (origin, try origin.store.changes(after: [:]))
  }

  /// The log of an origin `n0` that wrote `leads` leads, and an empty receiver `n1`.
  static func originAndReceiver(leads: Int) throws -> (SimulatedNode, [SignedChange], SimulatedNode) {
    let (origin, log) = try Self.origin("n0", leads: leads)
    return (origin, log, try SimulatedNode("n1"))
  }

  @Test(
    "in a batch large enough to be checked in parallel, a forged signature is refused and the rest stored")
  func forgedInLargeBatch() throws {
    let (origin, log, receiver) = try Self.originAndReceiver(leads: 60)
    var changes = log
    #expect(changes.count == 61 && changes.count >= NodeStore.parallelSignatureThreshold)
    // The announcement first, so that the signer's key is known and the rest is checked ahead.
    #expect(try receiver.receive([changes[0]]) == [.stored])
    changes[50] = try Self.forged(changes[50])
    let outcomes = try receiver.receive(Array(changes[1...]))
    #expect(outcomes[..<49].allSatisfy { $0 == .stored })
    #expect(outcomes[49] == .refused(.badSignature(change: changes[50].id)))
    #expect(outcomes[50...].allSatisfy { if case .refused(.gap) = $0 { true } else { false } })
    #expect(try receiver.store.versionVector()[origin.id] == 50)
  }

  @Test("an origin's first batch is checked ahead with the key its first change announces")
  func firstBatchCheckedAhead() throws {
    let (_, log, receiver) = try Self.originAndReceiver(leads: 60)
    var changes = log
    let checks = receiver.store.checkSignaturesAhead(changes)
    #expect(changes.allSatisfy { checks.vouches(for: $0) })
    // A forged signature in that batch is not vouched for, and the transaction refuses it.
    changes[30] = try Self.forged(changes[30])
    let outcomes = try receiver.receive(changes)
    #expect(outcomes[..<30].allSatisfy { $0 == .stored })
    #expect(outcomes[30] == .refused(.badSignature(change: changes[30].id)))
  }

  @Test("keys announced in one batch of a session serve the next, before the first commits")
  func announcedKeysCarryOver() throws {
    let (_, changes, receiver) = try Self.originAndReceiver(leads: 80)
    var announced = AnnouncedSigners()
    _ = receiver.store.checkSignaturesAhead(Array(changes[..<40]), announced: &announced)
    let second = Array(changes[40...])
    let checks = receiver.store.checkSignaturesAhead(second, announced: &announced)
    #expect(second.allSatisfy { checks.vouches(for: $0) })
    // Checked on its own, the second batch names a signer nobody has announced yet.
    let alone = receiver.store.checkSignaturesAhead(second)
    #expect(!second.contains { alone.vouches(for: $0) })
    #expect(try receiver.receive(Array(changes[..<40])).allSatisfy { $0 == .stored })
    #expect(
      try receiver.store.ingest(
        second, verifier: receiver.verifier, physicalMillis: receiver.clockMillis, signaturesChecked: checks
      ).allSatisfy { $0 == .stored })
  }

  @Test(
    "a session learns at most its limit of announced keys; past it, batches are checked in their transactions"
  )
  func announcedKeysAreBounded() throws {
    let (_, first, receiver) = try Self.originAndReceiver(leads: 40)
    let (_, second) = try Self.origin("n2", leads: 40)
    var announced = AnnouncedSigners(maximumKeys: 1)
    let checks = receiver.store.checkSignaturesAhead(first + second, announced: &announced)
    #expect(announced.keys.count == 1)
    #expect(first.allSatisfy { checks.vouches(for: $0) })
    #expect(!second.contains { checks.vouches(for: $0) })
    // Unvouched, the second origin's changes are verified in the transaction and stored all the same.
    let outcomes = try receiver.store.ingest(
      first + second, verifier: receiver.verifier, physicalMillis: receiver.clockMillis,
      signaturesChecked: checks)
    #expect(outcomes.allSatisfy { $0 == .stored })
  }

  @Test("a check made for the genuine batch does not vouch for a forged copy of it")
  func checksAreBoundToSignatures() throws {
    let (_, changes, receiver) = try Self.originAndReceiver(leads: 40)
    #expect(try receiver.receive([changes[0]]) == [.stored])
    let genuine = Array(changes[1...])
    let checks = receiver.store.checkSignaturesAhead(genuine)
    var forgedBatch = genuine
    forgedBatch[0] = try Self.forged(genuine[0])
    let outcomes = try receiver.store.ingest(
      forgedBatch, verifier: receiver.verifier, physicalMillis: receiver.clockMillis,
      signaturesChecked: checks)
    #expect(outcomes.first == .refused(.badSignature(change: genuine[0].id)))
  }
}
