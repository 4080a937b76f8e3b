import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import Testing

/// Finds `needle` in `haystack` and flips one bit of the byte there.
func flippingByte(of needle: Data, in haystack: Data) -> Data {
  var copy = haystack
  let range = haystack.range(of: needle)!
  copy[range.lowerBound] ^= 0x01
  return copy
}

/// The `openssl ca -startdate` form: YYYYMMDDHHMMSSZ.
func certificateDate(_ date: Date) -> String {
  let formatter = DateFormatter()
  formatter.locale = Locale(identifier: "en_US_POSIX")
  formatter.timeZone = TimeZone(identifier: "UTC")
  formatter.dateFormat = "yyyyMMddHHmmss'Z'"
  return formatter.string(from: date)
}

func refusal(_ outcomes: [IngestOutcome]) -> ChangeRefusal? {
  if case .refused(let refusal) = outcomes.first { refusal } else { nil }
}

@Suite("The signed change log")
struct ChangeLogTests {
  @Test("a change made on one node is stored, verified and folded on another")
  func roundTrip() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    let lead = try a.addLead(summary: "sells one-day reports", audience: .all)
    let outcomes = try b.receive(a.store.changes(after: [:]))
    #expect(outcomes == [.stored, .stored])
    let seen = try #require(try b.store.lead(lead.description))
    #expect(
      seen.owner == "n0" && seen.summary == "sells one-day reports" && seen.violations == [.forgedReport])
    #expect(seen.subjects.first?.name == "某检测服务店")
    #expect(try b.store.versionVector()[a.id] == 2)
  }

  /// Found by the deterministic simulation: a node whose clock stepped back more than the allowed
  /// drift refused its own writes until the wall clock caught up.
  @Test("a node whose wall clock steps back a day keeps recording; a peer with the right time accepts it")
  func clockStepsBack() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1", clockMillis: a.clockMillis)
    a.clockMillis -= 86_400_000
    let lead = try a.addLead(summary: "written after the clock stepped back")
    let latest = try #require(try a.store.changes(after: [:]).last)
    #expect(
      latest.header.time.wallMillis > a.clockMillis + 86_000_000, "the timestamps go on from the latest held")
    b.clockMillis += 1_000
    #expect(try b.receive(a.store.changes(after: [:])).allSatisfy { $0 == .stored })
    #expect(try b.store.lead(lead.description)?.summary == "written after the clock stepped back")
    // A change from a clock that runs a day ahead is held with no effect, and does not drag the
    // peer's own clock after it.
    let c = try SimulatedNode("n2", clockMillis: b.clockMillis + 86_400_000)
    #expect(try b.receive(c.store.changes(after: [:])) == [.stored])
    #expect(try b.store.withheldChanges().map(\.origin) == ["n2"])
    #expect(try b.store.withheldChanges().first?.reason.contains("ahead of this node's clock") == true)
    try b.addLead(summary: "b's own clock")
    let own = try #require(try b.store.changes(after: [:]).last { $0.header.origin == b.id })
    #expect(own.header.time.wallMillis < b.clockMillis + 60_000, "b stamps by its own clock, not n2's")
  }

  @Test("re-delivery has no effect")
  func idempotent() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead()
    let changes = try a.store.changes(after: [:])
    try b.receive(changes)
    let digest = try b.store.projectionDigest()
    #expect(try b.receive(changes + changes) == [.duplicate, .duplicate, .duplicate, .duplicate])
    #expect(try b.store.projectionDigest() == digest)
  }

  @Test("one flipped byte in the header, body or signature is refused with the matching error")
  func tampering() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead(summary: "tamper target")
    let changes = try a.store.changes(after: [:])
    try b.receive([changes[0]])
    let change = changes[1]

    // Header: flip a byte inside the body hash; the header still decodes but the signature fails.
    let header = flippingByte(of: change.header.bodySHA256, in: change.headerBytes)
    let forgedHeader = try SignedChange(headerBytes: header, signature: change.signature, body: change.body)
    #expect(refusal(try b.receive([forgedHeader]))?.code == "change.bad-signature")

    // Body: the signed header's hash no longer matches.
    let body = flippingByte(of: Data("tamper target".utf8), in: change.body!)
    let forgedBody = try SignedChange(
      headerBytes: change.headerBytes, signature: change.signature, body: body)
    #expect(refusal(try b.receive([forgedBody])) == .bodyHashMismatch(change: change.id))

    // Signature.
    var signature = change.signature
    signature[signature.count - 1] ^= 0x01
    let forgedSignature = try SignedChange(
      headerBytes: change.headerBytes, signature: signature, body: change.body)
    #expect(refusal(try b.receive([forgedSignature])) == .badSignature(change: change.id))

    // Nothing of the forgeries was stored; the genuine change still is accepted.
    #expect(try b.store.versionVector()[a.id] == 1)
    #expect(try b.receive([change]) == [.stored])
  }

  @Test("a truncated or garbage header is refused as malformed")
  func malformedHeader() throws {
    let b = try SimulatedNode("n1")
    #expect(throws: ChangeRefusal.self) {
      try SignedChange(headerBytes: Data([0xff, 0xff, 0xff]), signature: Data(), body: nil)
    }
    let a = try SimulatedNode("n0")
    let first = try a.store.changes(after: [:])[0]
    let error = try #require(throws: ChangeRefusal.self) {
      try SignedChange(
        headerBytes: first.headerBytes.prefix(first.headerBytes.count - 3), signature: first.signature,
        body: nil)
    }
    #expect(error.code == "change.malformed-header")
    #expect(try b.store.versionVector()[a.id] == nil)
  }

  @Test("a change signed by a certificate from another CA is refused")
  func foreignCA() throws {
    let rogue = try TestFederation(label: "rogue")
    try rogue.issue("n3")
    let impostor = try SimulatedNode("n3", federation: rogue)
    let honest = try SimulatedNode("n1")
    let outcome = refusal(try honest.receive(impostor.store.changes(after: [:])))
    guard case .signerNotTrusted(_, let reason) = outcome else {
      Issue.record("expected signerNotTrusted, got \(String(describing: outcome))")
      return
    }
    #expect(reason.code == "cert.not-trusted")
  }

  @Test("a change signed after the signer's revocation is refused; earlier ones still verify")
  func revokedSigner() throws {
    let federation = try TestFederation(label: "revoked")
    try federation.issue("n0")
    try federation.issue("n1")
    let a = try SimulatedNode("n0", federation: federation, trust: try federation.trust())
    try a.addLead(summary: "before revocation")
    Thread.sleep(forTimeInterval: 1.1)  // revocation dates have one-second resolution
    try federation.revoke("n0")
    try federation.publishCRL()
    a.clockMillis = Date().unixMillis + 2_000
    try a.addLead(summary: "after revocation")  // a's own store still has the old CRL
    let b = try SimulatedNode("n1", federation: federation, trust: try federation.trust())
    let outcomes = try b.receive(a.store.changes(after: [:]))
    #expect(outcomes[0] == .stored && outcomes[1] == .stored)
    guard case .refused(.signerNotTrusted(_, let reason)) = outcomes[2] else {
      Issue.record("expected a revoked signer to be refused, got \(outcomes[2])")
      return
    }
    #expect(reason.code == "cert.revoked")
  }

  @Test("a certificate naming another node cannot sign for this origin")
  func signerForAnotherOrigin() throws {
    let federation = TestFederation.shared
    let n2 = try SimulatedNode("n2")
    // n4 signs a change that claims origin n2, using n4's own certificate.
    let thief = ChangeAuthor(
      origin: n2.id, key: try federation.key("n4"),
      certificateFingerprint: try federation.chain("n4")[0].fingerprint)
    let tip = ChangeAuthor.ChainTip(sequence: 1, id: try n2.store.changes(after: [:])[0].id)
    let forged = try thief.sign(
      body: ChangeBody(officer: "x", operations: []), audience: .all, after: tip,
      time: HLCTimestamp(wallMillis: Date().unixMillis))
    let b = try SimulatedNode("n1")
    try b.receive(try n2.store.changes(after: [:]))
    #expect(refusal(try b.receive([forged]))?.code == "change.unknown-signer")
  }

  @Test("an origin's changes are stored in order: a gap is refused and can be filled later")
  func gaps() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead()
    try a.addLead()
    let changes = try a.store.changes(after: [:])
    #expect(refusal(try b.receive([changes[2]])) == .gap(origin: a.id, expected: 1, received: 3))
    #expect(
      try b.receive([changes[0], changes[2], changes[1], changes[2]]).map(\.isAccepted) == [
        true, false, true, true,
      ])
    #expect(try b.store.versionVector()[a.id] == 3)
  }

  @Test("a change too far in the future is held with no effect, and counts once the clock catches up")
  func clockDrift() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1", clockMillis: a.clockMillis)
    let first = try a.store.changes(after: [:])
    a.clockMillis += 10 * 60 * 1000  // ten minutes ahead
    let lead = try a.addLead()
    let changes = try a.store.changes(after: [:])
    try b.receive(first)
    #expect(try b.receive([changes[1]]) == [.stored], "stored, so the chain behind it is not cut")
    #expect(try b.store.lead(lead.description) == nil, "no effect while it is ahead")
    #expect(try b.store.releaseChangesDue(nowMillis: b.clockMillis + 60_000) == 0, "still ahead")
    b.clockMillis += 10 * 60 * 1000
    #expect(try b.store.releaseChangesDue(nowMillis: b.clockMillis) == 1)
    #expect(try b.store.lead(lead.description) != nil)
    #expect(try b.store.withheldChanges().isEmpty)
  }

  @Test("two different changes with one sequence number: both kept as proof once, origin quarantined")
  func fork() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead(summary: "the honest history")
    let honest = try a.store.changes(after: [:])
    let forked = try a.forkedTwin(after: honest[0])  // another change 2, by the same key
    #expect(try b.receive(honest) == [.stored, .stored])
    #expect(try b.receive([forked]) == [.forkDetected(.fork(origin: a.id, sequence: 2))])
    // The same proof again (peers pass known forks on in every session) is a duplicate, not news.
    #expect(try b.receive([forked.stub]) == [.duplicate])
    let proofs = try b.store.forks()
    #expect(
      proofs.count == 1 && proofs[0].heldChange == honest[1].id.hex && proofs[0].otherChange == forked.id.hex)
    #expect(try b.store.quarantinedOrigins() == ["n0"])
    // Later changes of the quarantined origin are not merged.
    try a.addLead()
    let third = try a.store.changes(after: [a.id: 2])
    #expect(refusal(try b.receive(third)) == .originQuarantined(origin: a.id))
    #expect(try b.store.status().quarantined == ["n0"])
  }

  @Test("a forged header cannot frame an origin as forking")
  func unsignedForkIsNoise() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    try a.addLead()
    let honest = try a.store.changes(after: [:])
    try b.receive(honest)
    let rogueKey = try PrivateKey.generate()
    let framer = ChangeAuthor(origin: a.id, key: rogueKey, certificateFingerprint: a.chain[0].fingerprint)
    let fake = try framer.sign(
      body: ChangeBody(officer: "x", operations: []), audience: .all,
      after: ChangeAuthor.ChainTip(sequence: 1, id: honest[0].id),
      time: HLCTimestamp(wallMillis: a.clockMillis + 5))
    #expect(refusal(try b.receive([fake])) == .badSignature(change: fake.id))
    #expect(try b.store.quarantinedOrigins().isEmpty)
  }

  @Test("a node outside the audience gets a stub it can verify; the body fills in later")
  func stubsAndBodies() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    let c = try SimulatedNode("n2")
    let lead = try a.addLead(audience: .nodes([b.id]))
    let changes = try a.store.changes(after: [:])
    // c is not in the audience: even offered the body, it keeps only the stub.
    #expect(try c.receive(changes) == [.stored, .stored])
    #expect(try c.store.lead(lead.description) == nil)
    #expect(try c.store.status().stubs == 1)
    // b first learns of it as a stub (through a relay), then gets the body.
    #expect(try b.receive([changes[0], changes[1].stub]) == [.stored, .stored])
    #expect(try b.store.lead(lead.description) == nil)
    // The filled body is a new arrival: a live page that showed the stub hears of it.
    let stubbed = try b.store.lastArrival()
    #expect(try b.receive([changes[1]]) == [.bodyFilled])
    #expect(try b.store.lead(lead.description)?.summary == "sells one-day reports")
    let arrived = try b.store.arrivals(after: stubbed, limit: 10)
    #expect(arrived.map(\.change.id) == [changes[1].id] && arrived.allSatisfy { !$0.change.isStub })
    #expect(try b.store.lastArrival() > stubbed)
    // A stub of a first change cannot be verified, so it is refused.
    let d = try SimulatedNode("n3")
    #expect(refusal(try d.receive([changes[0].stub]))?.code == "change.first-not-announce")
  }

  @Test("only the owner may edit a lead: another node's edit is kept, has no effect, and is reported")
  func ownerOnlyEdits() throws {
    let a = try SimulatedNode("n0")
    let b = try SimulatedNode("n1")
    let lead = try a.addLead(summary: "original")
    try b.receive(a.store.changes(after: [:]))
    var patch = LeadPatch()
    patch.summary = "rewritten by n1"
    let edit = try b.record([DomainOperation(objectID: lead, action: .updateLead(patch))], audience: .all)
    #expect(try b.store.lead(lead.description)?.summary == "original")
    try a.receive(b.store.changes(after: [:]).filter { $0.header.origin == b.id })
    #expect(try a.store.lead(lead.description)?.summary == "original")
    let refusals = try a.store.refusals()
    #expect(refusals.count == 1 && refusals[0].code == "op.not-owner" && refusals[0].change == edit.id.hex)
    #expect(try a.store.refusals() == b.store.refusals())

    var ownPatch = LeadPatch()
    ownPatch.summary = "corrected by owner"
    ownPatch.risk = .high
    try a.record([DomainOperation(objectID: lead, action: .updateLead(ownPatch))], audience: .all)
    let edited = try #require(try a.store.lead(lead.description))
    #expect(edited.summary == "corrected by owner" && edited.risk == .high)
  }

  @Test("invalid content signed by a node is kept but refused by the reducer")
  func invalidContentRefused() throws {
    let a = try SimulatedNode("n0")
    let bad = SubjectRecord(kind: .enterprise, name: "x", uscc: "91350100M000100Y44")
    try a.record([DomainOperation(objectID: ObjectID(), action: .createSubject(bad))], audience: .all)
    let refusals = try a.store.refusals()
    #expect(
      refusals.count == 1 && refusals[0].code == "op.invalid"
        && refusals[0].reason.contains("check character"))
  }

  @Test("the audit re-verifies every stored change, and finds tampering in the database")
  func auditFindsTampering() throws {
    let directory = temporaryDirectory("audit")
    let federation = TestFederation.shared
    let files = federation.files("n5")
    let home = try NodeHome.initialize(
      directory, node: try NodeID("n5"), caPEM: federation.caPEM,
      certificatePEM: Data(contentsOf: files.certificate),
      keyPEM: Data(contentsOf: files.key), crlPEM: federation.crlPEM, officer: "tester")
    let leadID = ObjectID()
    let subjectID = ObjectID()
    try home.record(
      [
        DomainOperation(objectID: subjectID, action: .createSubject(SubjectRecord(kind: .shop, name: "s"))),
        DomainOperation(
          objectID: leadID,
          action: .createLead(LeadFields(violations: [.noCCC], subjectIDs: [subjectID], summary: "untouched"))
        ),
      ], audience: .all, officer: "tester")
    #expect(try home.store.audit(verifier: home.verifier, physicalMillis: Date().unixMillis).ok)
    // Edit the stored body with the sqlite3 tool, as an intruder with file access would.
    let database = directory.appendingPathComponent("liandong.sqlite").path
    let sql =
      "UPDATE changes SET body = CAST(replace(CAST(body AS TEXT), 'untouched', 'UNtouched') AS BLOB) WHERE sequence = 2;"
    let edit = try sqlite3(database, sql)
    #expect(edit.status == 0, "\(edit)")
    let report = try NodeHome.open(directory).store.audit(
      verifier: home.verifier, physicalMillis: Date().unixMillis)
    #expect(report.failures.map(\.code) == ["change.body-hash"])
  }
}
