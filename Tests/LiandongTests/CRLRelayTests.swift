import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTesting
import Testing

@Suite("The CA's revocation lists travel by sync", .serialized)
struct CRLRelayTests {
  @Test(
    "a CRL installed on one node reaches every node by sync and is in force there, TLS included, without a reload"
  )
  func relayedToEveryNode() async throws {
    let federation = try TestFederation(label: "crl-relay", nodes: ["jjj", "yrd", "prd", "sjz"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let (jjj, prd, sjz) = (
      try await NodeProcess("jjj", federation: federation),
      try await NodeProcess("prd", federation: federation),
      try await NodeProcess("sjz", federation: federation)
    )
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    for node in [jjj, prd, sjz] {
      try await node.cli("peer", "add", "yrd", "127.0.0.1:\(yrd.port)")
      #expect(try await node.cli("sync", "yrd").status == 0)
    }
    let older = temporaryDirectory("crl-relay").appendingPathComponent("older.pem")
    try FileManager.default.copyItem(at: federation.crlURL, to: older)
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution

    // The CA revokes jjj; prd's operator alone receives the new CRL.
    try federation.revoke("jjj")
    try federation.publishCRL()
    let published = RevocationListRank(try RevocationList.all(pem: federation.crlPEM), digest: .sha256)
    func inForce(_ node: NodeProcess) throws -> RevocationListRank {
      RevocationListRank(
        try RevocationList.all(pem: Data(contentsOf: node.data.appendingPathComponent("crl.pem"))),
        digest: .sha256)
    }
    let before = try inForce(prd)
    #expect(before < published)

    // A dry run names what it revokes and changes nothing.
    let dry = try await prd.cli("crl", "install", "--dry-run", federation.crlURL.path, "--json")
    let preview = try #require(
      try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
    #expect(preview["dryRun"] as? Bool == true && preview["relayedIn"] == nil, "\(dry)")
    let revokes = try #require(preview["revokes"] as? [[String: Any]])
    #expect(revokes.map { $0["node"] as? String } == ["jjj"], "\(dry)")
    #expect(try inForce(prd) == before, "a dry run installs nothing")

    let installed = try await prd.cli("crl", "install", federation.crlURL.path, "--json")
    let result = try #require(
      try JSONSerialization.jsonObject(with: Data(installed.stdout.utf8)) as? [String: Any])
    #expect(result["relayedIn"] is String, "\(installed)")
    #expect(try inForce(prd) == published)

    // prd's sync relays it to yrd, whose running serve puts it in force, TLS contexts included:
    // jjj is refused with no SIGHUP and no file copied by hand.
    #expect(try await prd.cli("sync", "yrd").status == 0)
    #expect(
      await eventually(10) { (try? inForce(yrd)) == published && yrd.log.contains("put in force") },
      "\(yrd.log.suffix(800))")
    let refused = try await eventually(10) { try await jjj.cli("sync", "yrd").failed(with: "sync.refused") }
    #expect(refused, "\(yrd.log.suffix(800))")
    #expect(try await prd.cli("sync", "yrd").status == 0, "an honest peer is still served")

    // A node that syncs from the command line takes it too, and says so.
    let synced = try await sjz.cli("sync", "yrd")
    #expect(synced.status == 0 && synced.stdout.contains("revocation list in force now"), "\(synced)")
    #expect(try inForce(sjz) == published)
    // The relayed list counts as the one in force: an older one is refused, and installing the
    // same one again relays nothing.
    #expect(try await sjz.cli("crl", "install", older.path).failed(with: "crl.older"))
    let again = try await sjz.cli("crl", "install", federation.crlURL.path, "--json")
    let repeated = try #require(
      try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
    #expect(again.status == 0 && repeated["relayedIn"] == nil, "\(again)")
  }

  @Test("a node whose crl.pem is older than a list it holds puts the held one back when it opens")
  func heldListWinsOverAnOlderFile() async throws {
    let federation = try TestFederation(label: "crl-held", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let older = try Data(contentsOf: jjj.data.appendingPathComponent("crl.pem"))
    try await Task.sleep(for: .seconds(1.1))
    try federation.revoke("yrd")
    try federation.publishCRL()
    #expect(try await jjj.cli("crl", "install", federation.crlURL.path).status == 0)
    // The file goes back to the older list (a restored file, or a crash before it was written).
    try older.write(to: jjj.data.appendingPathComponent("crl.pem"))
    #expect(try await jjj.cli("status").status == 0)
    let file = try Data(contentsOf: jjj.data.appendingPathComponent("crl.pem"))
    #expect(
      RevocationListRank(try RevocationList.all(pem: file), digest: .sha256)
        == RevocationListRank(try RevocationList.all(pem: federation.crlPEM), digest: .sha256))
  }

  @Test("a relayed list must be the federation CA's and reach every node; none can revoke in its place")
  func forgedOrPrivateListsAreRefused() throws {
    let node = try SimulatedNode("n3")
    let object = node.newObjectID()
    func refusal(_ lists: [Data], audience: Audience = .all) -> String? {
      let error = #expect(throws: StoreError.self) {
        try node.record(
          [DomainOperation(objectID: object, action: .publishRevocationLists(lists))], audience: audience)
      }
      return error?.code
    }
    let other = try TestFederation(label: "crl-forged", nodes: ["n3"])
    try other.publishCRL()
    let forged = try RevocationList.all(pem: other.crlPEM).map(\.der)
    #expect(refusal(forged) == "local.change.crl-invalid")
    #expect(refusal([Data("not a CRL".utf8)]) == "local.change.crl-invalid")
    #expect(refusal([]) == "local.change.crl-invalid")
    let genuine = try RevocationList.all(pem: TestFederation.shared.crlPEM).map(\.der)
    #expect(refusal(genuine, audience: .nodes([try NodeID("n4")])) == "local.change.crl-not-public")
  }

  @Test(
    "a forged list signed straight with a node's key is refused from a peer, in full or as the body of a stub held"
  )
  func forgedListFromAPeer() throws {
    let (forger, receiver) = (try SimulatedNode("n5"), try SimulatedNode("n6"))
    try exchange(forger, receiver)
    let other = try TestFederation(label: "crl-forged-peer", nodes: ["n5"])
    try other.publishCRL()
    let forgedLists = try RevocationList.all(pem: other.crlPEM).map(\.der)
    let tip = try #require(try forger.store.change(origin: forger.id, sequence: 1))
    // Signed without the forger's own checks, as a hostile node would.
    let forged = try forger.author!.sign(
      body: ChangeBody(
        officer: "forger",
        operations: [
          DomainOperation(objectID: forger.newObjectID(), action: .publishRevocationLists(forgedLists))
        ]),
      audience: .all, after: ChangeAuthor.ChainTip(sequence: tip.header.sequence, id: tip.id),
      time: HLCTimestamp(wallMillis: forger.clockMillis + 10))
    func refusal(_ outcomes: [IngestOutcome]) -> String? {
      if case .refused(let refusal) = outcomes.first { refusal.code } else { nil }
    }
    let whole = try receiver.receive([forged])
    #expect(refusal(whole) == "change.crl-invalid", "\(whole)")
    #expect(try receiver.receive([forged.stub]) == [.stored])
    let filled = try receiver.receive([forged])
    #expect(refusal(filled) == "change.crl-invalid", "\(filled)")
    #expect(try receiver.store.relayedRevocationLists().isEmpty)
  }

  @Test("the list in force is the highest CRL number, then the latest issue, then the smaller digest")
  func ranking() {
    let low = Data(repeating: 1, count: 32)
    let high = Data(repeating: 2, count: 32)
    #expect(
      RevocationListRank(number: 1001, issuedMillis: 5, digest: high)
        > RevocationListRank(number: 1000, issuedMillis: 9, digest: low))
    #expect(
      RevocationListRank(number: 1000, issuedMillis: 9, digest: high)
        > RevocationListRank(number: 1000, issuedMillis: 5, digest: low))
    #expect(
      RevocationListRank(number: 1000, issuedMillis: 5, digest: low)
        > RevocationListRank(number: 1000, issuedMillis: 5, digest: high))
    #expect(
      RevocationListRank(number: 0, issuedMillis: 0, digest: low)
        > RevocationListRank(number: -1, issuedMillis: 9, digest: low),
      "a numbered list outranks unnumbered ones")
  }
}
