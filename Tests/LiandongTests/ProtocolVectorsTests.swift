import Foundation
import LiandongCore
import LiandongCrypto
import LiandongProtocol
import LiandongStore
import Testing

/// Protocol/vectors/: a fixed Ed25519 test key and certificate, changes with their exact bytes,
/// and a session transcript, for a second implementation to check itself against. Ed25519
/// signatures are deterministic, so every byte can be reproduced. This test checks the committed
/// files; `LIANDONG_WRITE_VECTORS=1` regenerates them.
@Suite("Protocol test vectors")
struct ProtocolVectorsTests {
  static let directory = repositoryRoot.appendingPathComponent("Protocol/vectors")
  /// 2026-12-01T00:00:00Z: the changes' time (after the certificate's start).
  static let baseMillis: UInt64 = 1_796_083_200_000

  struct ChangeVector: Codable {
    var description: String
    var header: String
    var signature: String
    var body: String?
    var id: String
    var origin: String
    var sequence: UInt64
    var previous: String?
    var wallMillis: UInt64
    var counter: UInt32
    var audience: String
    var bodySHA256: String
    var signerSHA256: String
  }

  struct FrameVector: Codable {
    var from: String
    var description: String
    var bytes: String
  }

  struct Vectors: Codable {
    var note: String
    var changes: [ChangeVector]
    var session: [FrameVector]
  }

  /// The `sm` suite's vectors: an SM2 CA and key, the same changes in header format 2.
  static let smDirectory = directory.appendingPathComponent("sm")

  static func load(_ name: String, from folder: URL = directory) throws -> Data {
    try Data(contentsOf: folder.appendingPathComponent(name))
  }

  /// The changes the vectors describe, signed with the committed key of `folder`.
  static func makeChanges(in folder: URL = directory) throws -> [SignedChange] {
    let chain = try Certificate.chain(pem: load("vector-node.pem", from: folder))
    let author = ChangeAuthor(
      origin: try NodeID("vector-node"), key: try PrivateKey(pem: load("vector-node.key", from: folder)),
      certificateFingerprint: chain[0].fingerprint)
    let subject = try ObjectID("00000000-0000-4000-8000-000000000001")
    let lead = try ObjectID("00000000-0000-4000-8000-000000000002")
    var patch = LeadPatch()
    patch.risk = .high
    let bodies: [(ChangeBody, Audience)] = [
      (
        ChangeBody(
          officer: "vector-officer",
          operations: [
            DomainOperation(
              objectID: try ObjectID("00000000-0000-4000-8000-000000000000"),
              action: .announceNode(certificateChain: chain.map(\.der)))
          ]), .all
      ),
      (
        ChangeBody(
          officer: "vector-officer",
          operations: [
            DomainOperation(
              objectID: subject,
              action: .createSubject(
                SubjectRecord(kind: .shop, name: "Vector Shop", uscc: "91350100M000100Y43"))),
            DomainOperation(
              objectID: lead,
              action: .createLead(
                LeadFields(violations: [.forgedReport], subjectIDs: [subject], summary: "one-day reports"))),
          ]), .nodes([try NodeID("yrd")])
      ),
      (
        ChangeBody(
          officer: "vector-officer", operations: [DomainOperation(objectID: lead, action: .updateLead(patch))]
        ),
        .nodes([try NodeID("yrd")])
      ),
    ]
    var changes: [SignedChange] = []
    for (index, (body, audience)) in bodies.enumerated() {
      let tip = changes.last.map { ChangeAuthor.ChainTip(sequence: $0.header.sequence, id: $0.id) }
      changes.append(
        try author.sign(
          body: body, audience: audience, after: tip,
          time: HLCTimestamp(wallMillis: baseMillis + UInt64(index) * 1000)))
    }
    return changes
  }

  static func describe(_ change: SignedChange, _ text: String) -> ChangeVector {
    ChangeVector(
      description: text, header: change.headerBytes.hex, signature: change.signature.hex,
      body: change.body?.hex,
      id: change.id.hex, origin: change.header.origin.rawValue, sequence: change.header.sequence,
      previous: change.header.previous?.hex, wallMillis: change.header.time.wallMillis,
      counter: change.header.time.counter,
      audience: change.header.audience.description, bodySHA256: change.header.bodySHA256.hex,
      signerSHA256: change.header.signerSHA256.hex)
  }

  /// A complete session in which vector-node sends its three changes to yrd, which has nothing.
  static func transcript(_ changes: [SignedChange]) throws -> [(String, String, SyncFrame)] {
    let node = try NodeID("vector-node")
    return [
      (
        "vector-node", "Hello with its vector, head and the batch-window capability",
        .hello(
          SyncHello(
            node: "vector-node", vector: [node: 3], heads: [node: changes[2].id],
            capabilities: [SyncSession.batchWindowCapability]))
      ),
      (
        "yrd", "Hello with an empty vector",
        .hello(SyncHello(node: "yrd", vector: [:], capabilities: [SyncSession.batchWindowCapability]))
      ),
      (
        "vector-node", "batch 1: all three changes, bodies included (yrd is in every audience)",
        .batch(number: 1, changes: changes)
      ),
      ("yrd", "Done: nothing to send", .done),
      ("vector-node", "FetchDone: yrd is done, and no evidence blob is missing", .fetchDone),
      (
        "yrd", "BatchAck 1 after committing",
        .ack(BatchAcknowledgement(number: 1, stored: 3, duplicates: 0, refusals: []))
      ),
      ("vector-node", "Done: all batches acknowledged", .done),
      ("yrd", "FetchDone: no evidence blob is missing", .fetchDone),
    ]
  }

  @Test(
    "the committed vectors: bytes, IDs, hashes, deterministic signatures, verification and the transcript")
  func vectors() throws {
    let changes = try Self.makeChanges()
    let url = Self.directory.appendingPathComponent("vectors.json")
    if ProcessInfo.processInfo.environment["LIANDONG_WRITE_VECTORS"] == "1" {
      let vectors = Vectors(
        note:
          "Liandong protocol version 1 test vectors. Hex strings. Keys: vector-node.key (Ed25519, test only), "
          + "certificate vector-node.pem under test-ca.pem. See Protocol/CHANGES.md and Protocol/PROTOCOL.md.",
        changes: zip(
          changes,
          [
            "announce the node's certificate, audience all", "a subject and a lead, for yrd",
            "raise the lead's risk, for yrd",
          ]
        )
        .map { Self.describe($0, $1) },
        session: try Self.transcript(changes).map {
          FrameVector(from: $0, description: $1, bytes: FrameCoding.encode($2).hex)
        })
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      try encoder.encode(vectors).write(to: url)
    }
    let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    #expect(vectors.changes.count == 3 && vectors.session.count == 8)

    // Deterministic: the same key and content give the same bytes, signature included (Ed25519).
    for (made, vector) in zip(changes, vectors.changes) {
      #expect(
        made.headerBytes.hex == vector.header && made.signature.hex == vector.signature
          && made.body?.hex == vector.body)
      #expect(Self.describe(made, vector.description).id == vector.id)
    }
    // Every vector decodes to its stated fields, hashes to its ID, and verifies.
    let chain = try Certificate.chain(pem: Self.load("vector-node.pem"))
    for vector in vectors.changes {
      let change = try SignedChange(
        headerBytes: hexData(vector.header), signature: hexData(vector.signature),
        body: vector.body.map(hexData))
      #expect(Self.describe(change, vector.description).id == vector.id)
      #expect(SHA256.hash(hexData(vector.header)).hex == vector.id)
      #expect(change.header.origin.rawValue == vector.origin && change.header.sequence == vector.sequence)
      #expect(
        change.header.audience.description == vector.audience
          && change.header.previous?.hex == vector.previous)
      #expect(throws: Never.self) { try change.checkBody() }
      #expect(throws: Never.self) { try change.checkSignature(by: chain[0]) }
    }
    // A fresh node, trusting only the test CA, stores them all (for yrd: every body).
    let trust = try TrustAnchor(caPEM: Self.load("test-ca.pem"))
    let store = try NodeStore(path: nil, node: try NodeID("yrd"))
    let outcomes = try store.ingest(
      changes, verifier: ChangeVerifier(trust: trust), physicalMillis: Self.baseMillis + 60_000)
    #expect(outcomes == [.stored, .stored, .stored])
    #expect(try store.leads().first?.risk == .high)
    // The transcript's frames decode to the messages described, and encode back byte for byte.
    #expect(vectors.session.count == (try Self.transcript(changes)).count)
    for (vector, (from, _, frame)) in zip(vectors.session, try Self.transcript(changes)) {
      var decoder = FrameDecoder()
      let decoded = try decoder.feed(hexData(vector.bytes))
      #expect(decoded == [frame] && vector.from == from)
      #expect(FrameCoding.encode(frame).hex == vector.bytes)
    }
  }

  @Test(
    "the sm suite's vectors: format 2 headers byte for byte, SM3 IDs and hashes, SM2 signatures that verify")
  func smVectors() throws {
    let folder = Self.smDirectory
    let changes = try Self.makeChanges(in: folder)
    let url = folder.appendingPathComponent("vectors.json")
    let descriptions = [
      "announce the node's certificate, audience all", "a subject and a lead, for yrd",
      "raise the lead's risk, for yrd",
    ]
    if ProcessInfo.processInfo.environment["LIANDONG_WRITE_VECTORS"] == "1" {
      let vectors = Vectors(
        note:
          "Liandong test vectors for the sm suite (header format 2). Hex strings. Keys: vector-node.key (SM2, test "
          + "only), certificate vector-node.pem under test-ca.pem (SM2). IDs, links, body and signer hashes are SM3; "
          + "signatures are SM2 with SM3 and the ID 1234567812345678. See Protocol/CHANGES.md.",
        changes: zip(changes, descriptions).map { Self.describe($0, $1) }, session: [])
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      try encoder.encode(vectors).write(to: url)
    }
    let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    #expect(vectors.changes.count == 3)
    let chain = try Certificate.chain(pem: Self.load("vector-node.pem", from: folder))
    for (made, vector) in zip(changes, vectors.changes) {
      // SM2 signatures are randomised: the headers and bodies are reproduced, the signatures verified.
      #expect(made.headerBytes.hex == vector.header && made.body?.hex == vector.body)
      let change = try SignedChange(
        headerBytes: hexData(vector.header), signature: hexData(vector.signature),
        body: vector.body.map(hexData))
      #expect(change.header.suite == .sm)
      #expect(DigestAlgorithm.sm3.hash(hexData(vector.header)).hex == vector.id && change.id.hex == vector.id)
      #expect(vector.body.map { DigestAlgorithm.sm3.hash(hexData($0)).hex } == vector.bodySHA256)
      #expect(chain[0].fingerprint.hex == vector.signerSHA256)
      #expect(throws: Never.self) { try change.checkBody() }
      #expect(throws: Never.self) { try change.checkSignature(by: chain[0]) }
      #expect(made.signature != change.signature, "a fresh SM2 signature differs, and both verify")
    }
    let trust = try TrustAnchor(caPEM: Self.load("test-ca.pem", from: folder))
    try trust.verify(chain: chain, at: Date(timeIntervalSince1970: TimeInterval(Self.baseMillis / 1000)))
    let stored = try vectors.changes.map {
      try SignedChange(
        headerBytes: hexData($0.header), signature: hexData($0.signature), body: $0.body.map(hexData))
    }
    let store = try NodeStore(path: nil, node: try NodeID("yrd"))
    let outcomes = try store.ingest(
      stored, verifier: ChangeVerifier(trust: trust), physicalMillis: Self.baseMillis + 60_000)
    #expect(outcomes == [.stored, .stored, .stored])
    #expect(try store.leads().first?.risk == .high)
  }
}

/// A vector's hex field; a malformed one fails the test.
func hexData(_ text: String) -> Data {
  guard let data = Data(hex: text) else {
    Issue.record("not hexadecimal: \(text.prefix(40))")
    return Data()
  }
  return data
}
