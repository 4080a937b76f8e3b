import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongWire
import Testing

/// The rules a receiving node applies to a validly signed change whose content breaks the
/// chain's rules: each must be refused with its own code, and leave nothing stored.
@Suite("A signed change that breaks a chain rule is refused with its code")
struct ChangeRuleTests {
  /// n4's key and certificate, signing outside any store: as a buggy or hostile origin would.
  func author(_ name: String = "n4") throws -> ChangeAuthor {
    let federation = TestFederation.shared
    return ChangeAuthor(
      origin: try NodeID(name), key: try federation.key(name),
      certificateFingerprint: try federation.chain(name)[0].fingerprint)
  }

  func announcement(_ author: ChangeAuthor, audience: Audience = .all, millis: UInt64) throws -> SignedChange
  {
    let chain = try TestFederation.shared.chain(author.origin.rawValue)
    return try author.sign(
      body: ChangeBody(
        officer: "o",
        operations: [
          DomainOperation(objectID: ObjectID(), action: .announceNode(certificateChain: chain.map(\.der)))
        ]),
      audience: audience, after: nil, time: HLCTimestamp(wallMillis: millis))
  }

  func next(_ author: ChangeAuthor, after change: SignedChange, millis: UInt64, body: Data = Data())
    throws -> SignedChange
  {
    try author.sign(
      bodyBytes: body, audience: .all,
      after: ChangeAuthor.ChainTip(sequence: change.header.sequence, id: change.id),
      time: HLCTimestamp(wallMillis: millis))
  }

  @Test("an announcement kept from part of the federation")
  func announcementNotPublic() throws {
    let receiver = try SimulatedNode("n1")
    let hidden = try announcement(author(), audience: .nodes([receiver.id]), millis: receiver.clockMillis)
    #expect(refusal(try receiver.receive([hidden]))?.code == "change.announce-not-public")
    #expect(try receiver.store.versionVector()[try NodeID("n4")] == nil)
  }

  @Test("a link to another previous change, a clock running backwards, a body of another size")
  func chainRules() throws {
    let receiver = try SimulatedNode("n1")
    let author = try author()
    let first = try announcement(author, millis: receiver.clockMillis - 1000)
    let stored = try receiver.receive([first])
    #expect(stored == [.stored], "\(stored)")

    let wrongLink = try author.sign(
      body: ChangeBody(officer: "o", operations: []), audience: .all,
      after: ChangeAuthor.ChainTip(sequence: 1, id: ChangeID(hashing: Data("another change".utf8))),
      time: HLCTimestamp(wallMillis: receiver.clockMillis))
    #expect(refusal(try receiver.receive([wrongLink]))?.code == "change.broken-link")

    let backwards = try next(author, after: first, millis: receiver.clockMillis - 2000)
    #expect(refusal(try receiver.receive([backwards]))?.code == "change.time-not-increasing")

    let honest = try next(author, after: first, millis: receiver.clockMillis, body: Data([1, 2, 3]))
    let padded = try SignedChange(
      headerBytes: honest.headerBytes, signature: honest.signature, body: Data([1, 2, 3, 4]))
    #expect(refusal(try receiver.receive([padded]))?.code == "change.body-size")
    #expect(try receiver.store.versionVector()[author.origin] == 1, "none of them was stored")
  }

  @Test("a header in a format this node does not read says which, and to upgrade")
  func unsupportedFormat() throws {
    let author = try author()
    let first = try announcement(author, millis: Date().unixMillis)
    var wire = try Liandong_V1_ChangeHeader(serializedBytes: first.headerBytes)
    wire.format = (ChangeHeader.knownFormats.last ?? 0) + 1
    let header: Data = try wire.serializedBytes()
    let error = try #require(throws: ChangeRefusal.self) {
      try SignedChange(headerBytes: header, signature: try author.key.sign(header), body: first.body)
    }
    #expect(error.code == "change.unsupported-format" && error.description.contains("upgrade"))
  }

  @Test("a body that is not a change body is kept (signed, in the chain) and its content refused")
  func unreadableBody() throws {
    let receiver = try SimulatedNode("n1")
    let author = try author()
    let first = try announcement(author, millis: receiver.clockMillis - 1000)
    let garbage = try next(
      author, after: first, millis: receiver.clockMillis, body: Data([0xff, 0xff, 0x07]))
    #expect(try receiver.receive([first, garbage]) == [.stored, .stored])
    #expect(try receiver.store.refusals(of: [garbage.id]).map(\.code) == ["op.unreadable"])
  }
}
