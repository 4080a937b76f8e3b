import Foundation
import LiandongCore
import Testing

@testable import LiandongStore

/// What the roles written once for both engines do, checked on the SQLite store here and on the
/// PostgreSQL store in `PostgresStoreTests` with the same checks: the peers and the blob index on
/// a new, empty store (the rows they read from the log and the evidence projections written with
/// SQL, as the engine's own ingest would leave them), and the change log's reads on a copy of the
/// rows a SQLite store's ingest wrote.
@Suite("Roles written once for both engines, on SQLite")
struct SQLRoleBehaviourTests {
  @Test("peers: added, updated, listed with their last sync and clock, counted past it, removed")
  func peers() throws {
    try PeerDirectoryBehaviour.check(try NodeStore(path: nil, node: NodeID("jjj")))
  }

  @Test("the blob index: missing, resumed, complete, served only to whom the evidence allows, damaged")
  func blobIndex() throws {
    try BlobIndexBehaviour.check(try NodeStore(path: nil, node: NodeID("n1")))
  }

  @Test("the change log's reads answer alike from a copy of the same rows, paged or not")
  func changeLogReads() throws {
    let (model, author, lead) = try ChangeLogReadsBehaviour.receivingStore()
    let copy = try NodeStore(path: nil, node: NodeID("n1"))
    try ChangeLogReadsBehaviour.copyRows(from: model, to: copy)
    try ChangeLogReadsBehaviour.check(copy, against: model, author: author, lead: lead)
  }
}

enum PeerDirectoryBehaviour {
  static func check(_ store: some PeerDirectory & SQLBackedStore) throws {
    let yrd = try NodeID("yrd")
    let gd = try NodeID("gd")
    try store.addPeer(yrd, address: "127.0.0.1:7421")
    try store.addPeer(gd, address: "10.0.0.2:7420")
    try store.addPeer(yrd, address: "127.0.0.1:7431")
    var listed = try store.peers()
    #expect(listed.map(\.node) == ["gd", "yrd"])
    #expect(listed[1].address == "127.0.0.1:7431", "adding a peer again moves it")
    #expect(listed[1].addedAt.hasPrefix("20") && listed[1].changesSinceSuccess == nil)

    try store.recordSyncAttempt(with: yrd, error: "connection refused")
    listed = try store.peers()
    #expect(listed[1].lastError == "connection refused" && listed[1].lastFailure != nil)
    #expect(listed[1].lastSuccess == nil && listed[1].changesSinceSuccess == nil)

    try appendLogRows(3, to: store)
    try store.recordSyncAttempt(with: yrd, error: nil)
    listed = try store.peers()
    #expect(listed[1].lastError == nil && listed[1].lastSuccess != nil)
    #expect(listed[1].changesSinceSuccess == 0, "everything the log held went with that sync")
    try appendLogRows(2, to: store)
    #expect(try store.peers()[1].changesSinceSuccess == 2)
    #expect(try store.peers()[0].changesSinceSuccess == nil, "gd never synced")

    try store.recordPeerClock(of: yrd, offsetMillis: -1500, measuredAtMillis: 1_790_000_000_123)
    try store.recordPeerClock(of: NodeID("unknown"), offsetMillis: 9, measuredAtMillis: 1)
    #expect(
      try store.peerClockReadings()
        == [PeerClockReading(peer: "yrd", offsetMillis: -1500, measuredAtMillis: 1_790_000_000_123)])

    #expect(try store.removePeer(gd))
    #expect(try !store.removePeer(gd), "removed once")
    #expect(try store.peers().map(\.node) == ["yrd"])
  }

  /// Rows in the change log, as if changes had been stored (only their number matters here).
  static func appendLogRows(_ count: Int, to store: some SQLBackedStore) throws {
    try store.writing { db in
      let held = try db.rows("SELECT count(*) AS held FROM changes", []).first?.integer("held") ?? 0
      for sequence in (held + 1)...(held + Int64(count)) {
        try db.rows(
          """
          INSERT INTO changes (id, origin, sequence, hlc_wall, hlc_counter, header, signature, received_at)
          VALUES (?, 'zj', ?, ?, 0, ?, ?, ?)
          """,
          [
            .bytes(Data("change \(sequence)".utf8)), .integer(sequence), .integer(sequence),
            .bytes(Data([1])),
            .bytes(Data([2])), SQLValue(Date()),
          ])
      }
    }
  }
}

enum BlobIndexBehaviour {
  static func check(_ store: some BlobIndex & SQLBackedStore) throws {
    let jjj = try NodeID("jjj")
    let n1 = try NodeID("n1")
    let n2 = try NodeID("n2")
    let file = Data(repeating: 0xab, count: 32)
    let other = Data(repeating: 0x01, count: 32)
    // Two evidence items name the same file; a third, shared with n2 by a signed act, another.
    try addEvidence("e1", sha256: file, size: 1000, origin: jjj, audience: .nodes([n1]), to: store)
    try addEvidence("e2", sha256: file, size: 1000, origin: n1, audience: .nodes([n1]), to: store)
    try addEvidence("e3", sha256: other, size: 10, origin: jjj, audience: .nodes([jjj]), to: store)
    try store.writing {
      try $0.rows("INSERT INTO p_evidence_shares (evidence_id, node) VALUES ('e3', ?)", [.text(n2.rawValue)])
    }

    #expect(try store.missingFiles(limit: 10).map(\.sha256) == [other, file], "in hash order, each once")
    #expect(try store.missingFiles(limit: 1).map(\.sha256) == [other])
    #expect(try store.durableOffset(of: file) == nil)
    try store.beginTransfer(of: file, size: 1000)
    try store.recordDurableOffset(400, of: file)
    try store.beginTransfer(of: file, size: 1000)
    #expect(try store.durableOffset(of: file) == 400, "a transfer begun again resumes")
    #expect(try store.missingFiles(limit: 10).last == BlobNeed(sha256: file, size: 1000, offset: 400))
    #expect(try store.blobCounts() == BlobCounts(held: 0, heldBytes: 0, partial: 1))

    #expect(try store.mayServe(file, to: jjj), "its origin")
    #expect(try store.mayServe(file, to: n1), "its audience")
    #expect(try !store.mayServe(file, to: n2))
    #expect(try store.mayServe(other, to: n2), "shared with it")
    #expect(try !store.mayServe(other, to: n1))
    #expect(try !store.mayServe(Data(repeating: 9, count: 32), to: jjj), "no evidence names it")

    try store.recordComplete(file, size: 1000)
    try store.recordComplete(other, size: 10)
    #expect(try store.completeSize(of: file) == 1000)
    #expect(try store.missingFiles(limit: 10).isEmpty && store.durableOffset(of: file) == nil)
    #expect(
      try store.heldFiles(after: nil, limit: 10)
        == [HeldFile(sha256: other, size: 10), HeldFile(sha256: file, size: 1000)])
    #expect(try store.heldFiles(after: other, limit: 10) == [HeldFile(sha256: file, size: 1000)])
    #expect(try store.heldFiles(after: nil, limit: 1).count == 1)
    #expect(try store.blobCounts() == BlobCounts(held: 2, heldBytes: 1010, partial: 0))

    // Found damaged: no longer held, missing again, listed until a good copy is in place.
    try store.recordDamaged(file, finding: "the file is missing from the disk")
    #expect(try store.completeSize(of: file) == nil)
    #expect(try store.missingFiles(limit: 10).map(\.sha256) == [file])
    #expect(try store.damagedFiles().map(\.sha256) == [file.hex])
    #expect(try store.damagedFiles().first?.finding == "the file is missing from the disk")
    #expect(try store.blobCounts() == BlobCounts(held: 1, heldBytes: 10, partial: 0, damaged: 1))
    try store.recordComplete(file, size: 1000)
    #expect(try store.damagedFiles().isEmpty)
    #expect(try store.blobCounts() == BlobCounts(held: 2, heldBytes: 1010, partial: 0))

    try store.beginTransfer(of: Data(repeating: 7, count: 32), size: 5)
    try store.forgetTransfer(of: Data(repeating: 7, count: 32))
    #expect(try store.durableOffset(of: Data(repeating: 7, count: 32)) == nil)
  }

  /// An evidence projection row, as the fold writes one.
  static func addEvidence(
    _ id: String, sha256: Data, size: Int64, origin: NodeID, audience: Audience, to store: some SQLBackedStore
  ) throws {
    try store.writing {
      try $0.rows(
        """
        INSERT INTO p_evidence (id, origin, item_id, category, original, how_fixed, fixed_by, tool, source_url,
          captured_at, file_name, media_type, size, sha256, description, added_by, added_wall, added_counter, audience)
        VALUES (?, ?, 'lead', 'screenshot', 1, NULL, 'wang', 'browser', 'https://shop.example/1',
          '2026-12-01T00:00:00Z', 'page.png', 'image/png', ?, ?, '', 'wang', 1, 0, ?)
        """,
        [.text(id), .text(origin.rawValue), .integer(size), .text(sha256.hex), .text(audience.description)])
    }
  }
}

/// What the change log answers without writing, asked of two stores holding the same rows.
enum ChangeLogReadsBehaviour {
  /// The tables these reads use, in an order their rows can be copied in.
  static let tables = [
    "changes", "p_wanted_bodies", "p_operations", "p_certificates", "fork_proofs", "quarantine",
  ]

  /// More than a page of `changes(after:)` (512 rows), after the peer's announcement.
  static let leads = 600

  /// A store that received a peer's leads, a stub it may read (so wants its body), and a fork.
  static func receivingStore() throws -> (store: NodeStore, author: SimulatedNode, lead: ObjectID) {
    let author = try SimulatedNode("n0")
    let lead = try author.addLead(summary: "first")
    for index in 1..<leads { _ = try author.addLead(summary: "lead \(index)") }
    let store = try NodeStore(path: nil, node: NodeID("n1"))
    var changes = try author.store.changes(after: [:])
    let stubbed = changes.count - 1
    changes[stubbed] = changes[stubbed].stub
    _ = try store.ingest(
      changes, verifier: author.verifier, physicalMillis: Date().unixMillis + 60_000)
    let twin = try author.forkedTwin(after: changes[stubbed - 1])
    _ = try store.ingest([twin], verifier: author.verifier, physicalMillis: Date().unixMillis + 60_000)
    return (store, author, lead)
  }

  /// Copies the rows of `tables` from `source` to `target`, the log in the order it was written.
  static func copyRows(from source: some SQLBackedStore, to target: some SQLBackedStore) throws {
    for table in tables {
      let rows = try source.reading {
        try $0.rows("SELECT * FROM \(table)" + (table == "changes" ? " ORDER BY rowid" : ""), [])
      }
      guard let columns = rows.first?.columns.index.sorted(by: { $0.value < $1.value }).map(\.key) else {
        continue
      }
      try target.writing { db in
        for row in rows {
          try db.rows(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            row.values)
        }
      }
    }
  }

  /// Every read, asked of both, answers alike.
  static func check(
    _ store: some ChangeLogReads, against model: NodeStore, author: SimulatedNode, lead: ObjectID
  )
    throws
  {
    #expect(try store.versionVector() == model.versionVector())
    #expect(try store.versionVector()[author.id] == UInt64(leads + 1))
    #expect(try store.heads() == model.heads())
    #expect(
      try store.change(origin: author.id, sequence: 2)?.id == model.change(origin: author.id, sequence: 2)?.id
    )
    #expect(try store.change(origin: author.id, sequence: UInt64(leads + 2)) == nil)
    for (vector, limit, bytes) in [
      ([NodeID: UInt64](), Int.max, Int.max), ([author.id: 5], 7, Int.max), ([:], Int.max, 3_000),
      ([author.id: UInt64(leads + 1)], Int.max, Int.max), ([:], 1, 1), ([author.id: 3], 550, Int.max),
    ] {
      let answer = try store.changes(after: vector, limit: limit, maximumBytes: bytes).map(\.id)
      #expect(answer == (try model.changes(after: vector, limit: limit, maximumBytes: bytes).map(\.id)))
    }
    #expect(try store.changes(after: [:], limit: .max, maximumBytes: .max).count == leads + 1)
    #expect(try store.changes(touching: [lead]).map(\.id) == model.changes(touching: [lead]).map(\.id))
    #expect(try store.wantedBodies(limit: 10).count == 1)
    #expect(try store.wantedBodies(limit: 10) == model.wantedBodies(limit: 10))
    let ids = try model.changes(after: [:], limit: .max, maximumBytes: .max).map(\.id)
    #expect(try store.bodies(of: ids).map(\.id) == model.bodies(of: ids).map(\.id))
    #expect(try store.bodies(of: ids).count == ids.count - 1, "not the stub's")
    #expect(try store.certificateChain(fingerprint: author.chain[0].fingerprint)?.count == author.chain.count)
    #expect(try store.certificateChain(fingerprint: Data(repeating: 1, count: 32)) == nil)
    #expect(try store.forkProofs().map(\.id) == model.forkProofs().map(\.id))
    #expect(try store.forkProofs().count == 2)
    #expect(try store.quarantinedOrigins() == ["n0"])
    #expect(try store.changeSetDigest() == model.changeSetDigest())
    #expect(try store.heldChangesDigest() == model.heldChangesDigest())
    #expect(try store.changeSetDigest() != store.heldChangesDigest(), "the stub is marked")
  }
}
