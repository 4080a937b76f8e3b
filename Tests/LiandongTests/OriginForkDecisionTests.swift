import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import Testing

@Suite("Fork decisions by the forked node's operator")
struct OriginForkDecisionTests {
  private let jjj = try! NodeID("jjj")
  private let a = ChangeID(bytes: Data(repeating: 0xaa, count: 32))!
  private let b = ChangeID(bytes: Data(repeating: 0xbb, count: 32))!

  @Test(
    "the rule: the origin's choices decide while they agree; contradicting ones decide nothing; the authority's decision wins over both"
  )
  func rule() throws {
    let choice = { (keep: ChangeID) in OriginForkChoice(origin: jjj, sequence: 5, keep: keep) }
    let agreed = ForkDecisions(manifests: [], originChoices: [choice(a), choice(a)])
    #expect(agreed.kept(origin: jjj, sequence: 5) == a && agreed.decider(origin: jjj, sequence: 5) == .origin)
    #expect(agreed.decidesAll(of: jjj, at: [5]) && !agreed.decidesAll(of: jjj, at: [5, 6]))

    // A thief holding the key chooses the other change: neither counts, in either order.
    for choices in [[choice(a), choice(b)], [choice(b), choice(a), choice(a)]] {
      let contested = ForkDecisions(manifests: [], originChoices: choices)
      #expect(
        contested.kept(origin: jjj, sequence: 5) == nil && contested.isContested(origin: jjj, sequence: 5))
    }

    let manifest = FederationManifest(
      federation: "t", version: 1, forks: [ForkDecision(origin: "jjj", sequence: 5, keep: b.hex)])
    for choices in [[choice(a)], [choice(a), choice(b)]] {
      let decided = ForkDecisions(manifests: [(manifest, Data([1]))], originChoices: choices)
      #expect(
        decided.kept(origin: jjj, sequence: 5) == b && decided.decider(origin: jjj, sequence: 5) == .authority
      )
      #expect(!decided.isContested(origin: jjj, sequence: 5))
    }
  }

  @Test(
    "a checkpoint carries its signer's fork choices in its signed bytes, sorted; a malformed one is not kept")
  func checkpointCarriesChoices() throws {
    let held = [jjj: Checkpoint.Held(sequence: 7, head: a)]
    let key = try PrivateKey.generate()
    let checkpoint = Checkpoint(
      suite: .p256, node: jjj, timeMillis: 1_000, held: held, signerSHA256: Data(count: 32),
      forks: [6: b, 5: a])
    let signed = try SignedCheckpoint(signing: checkpoint, with: key)
    let decoded = try SignedCheckpoint(bytes: signed.bytes, signature: signed.signature)
    #expect(decoded.checkpoint == checkpoint)
    // Field 6, sequence 5 before 6.
    let five = Data([0x32, 0x24, 0x08, 0x05, 0x12, 0x20]) + a.bytes
    let six = Data([0x32, 0x24, 0x08, 0x06, 0x12, 0x20]) + b.bytes
    #expect(signed.bytes.range(of: five + six) != nil, "\(signed.bytes.hex)")
    // Without choices, the bytes are those a version before them signs.
    let plain = Checkpoint(
      suite: .p256, node: jjj, timeMillis: 1_000, held: held, signerSHA256: Data(count: 32))
    #expect(try SignedCheckpoint(signing: plain, with: key).bytes.firstIndex(of: 0x32) == nil)

    let short =
      try SignedCheckpoint(signing: plain, with: key).bytes + Data([0x32, 0x04, 0x08, 0x05, 0x12, 0x00])
    #expect(throws: CheckpointProblem.self) { try SignedCheckpoint(bytes: short, signature: Data()) }
    let repeated = try SignedCheckpoint(signing: plain, with: key).bytes + five + five
    #expect(throws: CheckpointProblem.self) { try SignedCheckpoint(bytes: repeated, signature: Data()) }
  }

  @Test(
    "the operator keeps a change of its own fork: the checkpoint carrying it settles the fork on a peer as at home; a contrary choice by the same key, or the key's revocation, puts the origin back in quarantine"
  )
  func operatorDecides() throws {
    let federation = try TestFederation(label: "origin-fork", nodes: ["n0", "n1", "n2"])
    let origin = try SimulatedNode("n0", federation: federation)
    let peer = try SimulatedNode("n1", federation: federation)
    let late = try SimulatedNode("n2", federation: federation)
    // A copy restored from the backup signs sequence 3 again.
    let (leads, changes, twin) = try origin.forkAfterTwoLeads(
      first: "before the backup", second: "signed after the backup")
    let setAside = leads[1]
    let outcomes = try peer.receive(changes + [twin])
    #expect(outcomes.last == .forkDetected(.fork(origin: origin.id, sequence: 3)), "\(outcomes)")
    #expect(try origin.receive([twin]) == [.forkDetected(.fork(origin: origin.id, sequence: 3))])
    #expect(try origin.store.quarantinedOrigins() == ["n0"] && peer.store.quarantinedOrigins() == ["n0"])

    // Only the origin decides its fork, naming one of its two changes.
    let author = try #require(origin.author)
    #expect(throws: ForkChoiceError.notFound(change: "12", node: "n0")) {
      try origin.store.keepOwnFork("12", author: author, now: origin.wallClock)
    }
    #expect(throws: ForkChoiceError.notFound(change: "0123456789abcdef", node: "n0")) {
      try origin.store.keepOwnFork("0123456789abcdef", author: author, now: origin.wallClock)
    }
    #expect(throws: ForkChoiceError.otherOrigin(origin: "n0")) {
      try peer.store.keepOwnFork(twin.id.hex, author: peer.author!, now: peer.wallClock)
    }

    // The operator keeps the restored copy's change: its own later one is set aside at home.
    let choice = try origin.store.keepOwnFork(
      String(twin.id.hex.prefix(12)).uppercased(), author: author, now: origin.wallClock)
    #expect(choice.sequence == 3 && choice.kept == twin.id.hex && !choice.alreadyDecided, "\(choice)")
    #expect(try origin.store.quarantinedOrigins().isEmpty && origin.store.ownChainCut())
    #expect(try origin.store.change(origin: origin.id, sequence: 3)?.id == twin.id)
    #expect(try origin.store.lead(setAside.description) == nil)
    #expect(
      try origin.store.keepOwnFork(twin.id.hex, author: author, now: origin.wallClock).alreadyDecided)
    #expect(throws: ForkChoiceError.decided(kept: twin.id.hex, by: "n0's operator")) {
      try origin.store.keepOwnFork(changes[2].id.hex, author: author, now: origin.wallClock)
    }

    // The peer applies the same decision from the checkpoint, and agrees with the origin.
    let trust = try federation.trust()
    let decision = try #require(try origin.store.latestCheckpoint(of: origin.id))
    #expect(decision.checkpoint.forks == [3: twin.id])
    #expect(try peer.store.keep([decision], trust: trust, now: Date()).kept == 1)
    #expect(try peer.store.quarantinedOrigins().isEmpty)
    #expect(try peer.store.change(origin: origin.id, sequence: 3)?.id == twin.id)
    #expect(try peer.store.lead(setAside.description) == nil)
    #expect(try peer.store.status().superseded.map(\.id) == [changes[2].id.hex])
    let fork = try #require(try peer.store.forks().first)
    #expect(fork.kept == twin.id.hex && fork.decidedBy == "origin" && !fork.contested, "\(fork)")
    _ = try origin.receive(try peer.store.changes(after: [:]).filter { $0.header.origin == peer.id })
    #expect(try peer.store.changeSetDigest() == origin.store.changeSetDigest())
    #expect(try peer.store.projectionDigest() == origin.store.projectionDigest())
    // A node that holds the decision before the fork never quarantines the origin.
    _ = try late.receive([changes[0]])
    #expect(try late.store.keep([decision], trust: trust, now: Date()).kept == 1)
    #expect(try late.receive(Array(changes[1...]) + [twin]) == [.stored, .duplicate, .stored])
    #expect(try late.store.quarantinedOrigins().isEmpty)
    #expect(try late.store.change(origin: origin.id, sequence: 3)?.id == twin.id)
    #expect(try late.store.forks().isEmpty && late.store.lead(setAside.description) == nil)

    // Someone else holding the key chooses the other change: neither choice counts, the origin
    // is quarantined again, and the log stays as the last decision left it.
    let contrary = try SignedCheckpoint(
      signing: Checkpoint(
        suite: decision.checkpoint.suite, node: origin.id, timeMillis: decision.checkpoint.timeMillis + 1_000,
        held: decision.checkpoint.held, signerSHA256: decision.checkpoint.signerSHA256,
        forks: [3: changes[2].id]),
      with: author.key)
    #expect(try peer.store.keep([contrary], trust: trust, now: Date()).kept == 1)
    #expect(try peer.store.quarantinedOrigins() == ["n0"])
    let contested = try #require(try peer.store.forks().first)
    #expect(contested.kept == nil && contested.contested, "\(contested)")
    #expect(try peer.store.change(origin: origin.id, sequence: 3)?.id == twin.id)
    // The origin, shown the contrary choice, cannot decide any more: the authority must.
    #expect(try origin.store.keep([contrary], trust: trust, now: Date()).kept == 1)
    let contestedHere = #expect(throws: ForkChoiceError.self) {
      try origin.store.keepOwnFork(twin.id.hex, author: author, now: origin.wallClock)
    }
    #expect(try contestedHere?.code == "fork.contested" && origin.store.quarantinedOrigins() == ["n0"])

    // Once the CA revokes the origin's certificate, its word no longer counts anywhere.
    try federation.revoke("n0")
    try federation.publishCRL()
    let revoked = try federation.trust()
    #expect(try origin.store.applyRevocations(revoked))
    #expect(try origin.store.quarantinedOrigins() == ["n0"] && origin.store.forks().first?.kept == nil)
    // A node that set the other change aside unseen learns of the fork from the proof its peers
    // pass on in every session, once the decision no longer holds.
    #expect(try late.store.applyRevocations(revoked))
    #expect(try late.store.quarantinedOrigins().isEmpty)
    _ = try late.receive(try peer.store.forkProofs())
    #expect(try late.store.quarantinedOrigins() == ["n0"] && late.store.forks().first?.kept == nil)
    let revokedHere = #expect(throws: ForkChoiceError.self) {
      try origin.store.keepOwnFork(twin.id.hex, author: author, now: origin.wallClock)
    }
    #expect(revokedHere?.code == "fork.certificate-revoked", "\(String(describing: revokedHere))")
  }
}
