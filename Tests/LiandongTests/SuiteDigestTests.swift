import Foundation
import LiandongCore
import LiandongCrypto
import Testing

@testable import LiandongStore

/// In a federation on the national algorithms, what nodes compare or agree on is hashed with SM3
/// too: the names of manifests and revocation lists (which break ties the same on every node),
/// and the projection and change-set digests.
@Suite("The federation suite's hash beyond the change log")
struct SuiteDigestTests {
  @Test("an sm federation names manifests and CRLs by SM3, and a store from before is replayed so")
  func namesBySM3() throws {
    let federation = try TestFederation(label: "sm-digests", key: "sm2")
    try federation.issue("n0")
    let author = try SimulatedNode("n0", federation: federation)
    let lists = try RevocationList.all(pem: federation.crlPEM)
    let manifest = try federation.signedManifest(#"{"federation": "sm-test", "version": 1}"#)
    try author.record(
      [
        DomainOperation(objectID: ObjectID(), action: .publishRevocationLists(lists.map(\.der))),
        DomainOperation(objectID: ObjectID(), action: .publishManifest(manifest)),
      ], audience: .all)
    let listsDER = lists.map(\.der).reduce(Data(), +)
    let path = temporaryDirectory("sm-digests").appendingPathComponent("node.sqlite").path

    // The version before this one named both by SHA-256 whatever the suite.
    let before = try NodeStore(path: path, node: NodeID("n1"), migrateUpTo: 25)
    let outcomes = try before.ingest(
      try author.store.changes(after: [:]), verifier: author.verifier,
      physicalMillis: Date().unixMillis + 60_000)
    #expect(outcomes == [.stored, .stored])
    try before.writing { db in
      try db.rows("UPDATE p_revocation_lists SET digest = ?", [.bytes(SHA256.hash(listsDER))])
      try db.rows("UPDATE p_manifests SET sha256 = ?", [.bytes(SHA256.hash(manifest.document))])
    }
    let upgraded = try NodeStore(path: path, node: NodeID("n1"))
    #expect(try upgraded.relayedRevocationLists().map(\.rank.digest) == [DigestAlgorithm.sm3.hash(listsDER)])
    #expect(try upgraded.currentManifest()?.view.sha256 == DigestAlgorithm.sm3.hash(manifest.document).hex)
    // As a node names them when it receives them now: the author's own store.
    #expect(
      try author.store.relayedRevocationLists().map(\.rank) == upgraded.relayedRevocationLists().map(\.rank))
    #expect(
      RevocationListRank(lists, digest: .sm3).digest == DigestAlgorithm.sm3.hash(listsDER)
        && RevocationListRank(lists, digest: .sha256).digest == SHA256.hash(listsDER))
    #expect(try upgraded.log().flatMap(\.operations).contains { $0.contains("sm3:") })
  }

  @Test("the digests nodes compare are the suite's: equal on stores holding the same changes, not SHA-256's")
  func comparedDigests() throws {
    let federation = try TestFederation(label: "sm-compared", key: "sm2")
    try federation.issue("n0")
    let author = try SimulatedNode("n0", federation: federation)
    _ = try author.addLead(audience: .all)
    let receiver = try NodeStore(path: nil, node: NodeID("n1"))
    _ = try receiver.ingest(
      try author.store.changes(after: [:]), verifier: author.verifier,
      physicalMillis: Date().unixMillis + 60_000)
    let bySHA256 = (try receiver.changeSetDigest(), try receiver.projectionDigest())
    receiver.useSuite(.sm)
    author.store.useSuite(.sm)
    #expect(try receiver.changeSetDigest() == author.store.changeSetDigest())
    #expect(try receiver.projectionDigest() == author.store.projectionDigest())
    #expect(try receiver.changeSetDigest() != bySHA256.0 && receiver.projectionDigest() != bySHA256.1)
  }

  @Test("a node's home hashes with its federation's suite")
  func homeTakesTheSuite() async throws {
    let federation = try TestFederation(label: "sm-home", key: "sm2")
    try federation.issue("n0")
    let node = try await NodeProcess("n0", federation: federation)
    defer { _ = node.stop() }
    let home = try NodeHome.open(node.data)
    #expect(home.database?.suiteDigest == .sm3)
  }
}
