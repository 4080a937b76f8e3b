import Foundation
import LiandongCore
import LiandongCrypto
import Testing

@testable import LiandongStore

@Suite("Schema migrations")
struct MigrationTests {
  @Test("a database from every earlier schema opens, migrates, and keeps its data")
  func fromEveryEarlierSchema() throws {
    for version in 1..<NodeStore.schemaVersions.count {
      let directory = temporaryDirectory("migrate-\(version)")
      let path = directory.appendingPathComponent("old.sqlite").path
      let node = try NodeID("n0")
      // A node's log written under the old schema.
      let source = try SimulatedNode("n0")
      let lead = try source.addLead(summary: "written under schema \(version)")
      let shopLead = try source.addLead(summary: "numbered", subjectName: "检测服务店\(version)号")
      // A CA's revocation list relayed in a change, which a version before v22 stored unread.
      let lists = try RevocationList.all(pem: TestFederation.shared.crlPEM)
      try source.record(
        [DomainOperation(objectID: source.newObjectID(), action: .publishRevocationLists(lists.map(\.der)))],
        audience: .all)
      // What an old node wrote: the rows of every table the old schema has, in the columns it
      // has, but the search indexes and the digits of names, which their triggers (v20) or
      // settlement (v21, v32) fill. (A migration that renames or drops a column makes this copy
      // fail loudly.)
      let current = directory.appendingPathComponent("current.sqlite").path
      let latest = try NodeStore(path: current, node: node)
      _ = try latest.ingest(
        source.store.changes(after: [:]), verifier: source.verifier, physicalMillis: source.clockMillis)
      _ = try latest.addAccount("li.wei", role: .officer, at: Date())
      // A checkpoint carrying its signer's fork choice, which a version before v24 kept unread
      // (here naming the change it holds, so nothing moves).
      let chosen = try #require(try source.store.change(origin: source.id, sequence: 2)).id
      let choice = try SignedCheckpoint(
        signing: Checkpoint(
          suite: .p256, node: source.id, timeMillis: source.clockMillis, held: [:],
          signerSHA256: source.chain[0].fingerprint, forks: [2: chosen]),
        with: try TestFederation.shared.key("n0"))
      #expect(try latest.keep([choice], trust: source.verifier.trust, now: Date()).kept == 1)
      let old = try NodeStore(path: path, node: node, migrateUpTo: version)
      let statements = try sqlite3(
        path,
        """
        SELECT 'INSERT INTO ' || m.name || ' (' || group_concat(c.name) || ') SELECT '
          || group_concat(c.name) || ' FROM current.' || m.name || ';'
        FROM sqlite_master m, pragma_table_info(m.name) c
        WHERE m.type = 'table' AND m.name NOT LIKE 'grdb_%' AND m.name NOT LIKE 'sqlite_%'
          AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND m.name NOT LIKE '%search_%'
          AND m.name NOT IN ('p_lead_subjects', 'p_subject_digits')
        GROUP BY m.name
        """)
      let copy = statements.stdout.split(separator: "\n").map(String.init)
      let copied = try sqlite3(path, "ATTACH '\(current)' AS current; " + copy.joined(separator: " "))
      #expect(copied.status == 0, "\(copied)")
      // From v21 an old node settled its search indexes as each write ended; so does the copy.
      // (A write transaction of the store opened at that version settles what that schema has.)
      try old.writeTransaction { _ in }
      let digest = try latest.projectionDigest()
      #expect(try old.appliedSchemaVersions().count == version)

      let upgraded = try NodeStore(path: path, node: node)
      #expect(try upgraded.appliedSchemaVersions() == Set(NodeStore.schemaVersions))
      #expect(try upgraded.lead(lead.description)?.summary == "written under schema \(version)")
      // The search indexes (v20) hold what was there before them.
      #expect(
        try upgraded.leadPage(LeadFilter(text: "UNDER schema \(version)"), after: nil, limit: 5)?.map(\.id)
          == [
            lead.description
          ])
      // v32 indexed the runs of digits of the names held (`DigitRuns`).
      #expect(
        try upgraded.leadPage(LeadFilter(text: "服务店\(version)号"), after: nil, limit: 5)?.map(\.id)
          == [shopLead.description])
      #expect(try upgraded.projectionDigest() == digest)
      // v22 found the list in the change an older version kept.
      #expect(
        try upgraded.relayedRevocationLists().map(\.rank) == [RevocationListRank(lists, digest: .sha256)])
      #expect(try upgraded.peers().isEmpty)  // v2's table exists and works
      // v24 found the choice in the checkpoint an older version kept (checkpoints came with v18).
      let decisions = try upgraded.read { try LogTables.forkDecisions(.sqlite($0)) }
      #expect(
        decisions.kept(origin: node, sequence: 2) == (version >= 18 ? chosen : nil),
        "schema \(version): \(decisions)")
      // Accounts came with v12; from then on they keep their rows, and v13 adds no password.
      #expect(try upgraded.account("li.wei")?.hasPassword == (version >= 12 ? false : nil))
      try upgraded.addPeer(try NodeID("n1"), address: "127.0.0.1:7420")
    }
  }

  @Test(
    "a database made with 4 KiB pages, as earlier versions made them, keeps them and folds the same changes alike"
  )
  func earlierPageSize() throws {
    let directory = temporaryDirectory("page-size")
    let node = try NodeID("n0")
    let source = try SimulatedNode("n0")
    for index in 0..<40 { _ = try source.addLead(summary: "lead \(index)", subjectName: "店\(index)") }
    let changes = try source.store.changes(after: [:])
    let fresh = directory.appendingPathComponent("fresh.sqlite").path
    let made = try NodeStore(path: fresh, node: node)
    _ = try made.ingest(
      changes.prefix(20).map { $0 }, verifier: source.verifier, physicalMillis: source.clockMillis)
    // An older node's file: the same schema in pages of 4 KiB (SQLite changes a page size only
    // outside WAL mode, by rewriting the file).
    let old = directory.appendingPathComponent("old.sqlite").path
    let written = try sqlite3(fresh, "VACUUM INTO '\(old)';")
    #expect(written.status == 0, "\(written)")
    let resized = try sqlite3(
      old, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM; PRAGMA journal_mode = WAL;")
    #expect(resized.status == 0, "\(resized)")

    let upgraded = try NodeStore(path: old, node: node)
    _ = try made.ingest(
      changes.dropFirst(20).map { $0 }, verifier: source.verifier, physicalMillis: source.clockMillis)
    _ = try upgraded.ingest(
      changes.dropFirst(20).map { $0 }, verifier: source.verifier, physicalMillis: source.clockMillis)
    func pageSize(_ store: NodeStore) throws -> Int? {
      try store.read { try Int.fetchOne($0, sql: "PRAGMA page_size") }
    }
    #expect(try pageSize(made) == NodeStore.pageBytes)
    #expect(try pageSize(upgraded) == 4096)
    #expect(try upgraded.changeSetDigest() == made.changeSetDigest())
    #expect(try upgraded.projectionDigest() == made.projectionDigest())
    #expect(try upgraded.leadPage(LeadFilter(text: "店39"), after: nil, limit: 5)?.count == 1)
  }

  @Test("a database from a newer version of liandong is refused with a clear message")
  func newerSchemaRefused() throws {
    let path = temporaryDirectory("newer").appendingPathComponent("new.sqlite").path
    _ = try NodeStore(path: path, node: try NodeID("n0"))
    let edit = try sqlite3(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future');")
    #expect(edit.status == 0, "\(edit)")
    let error = try #require(throws: StoreError.self) { try NodeStore(path: path, node: try NodeID("n0")) }
    #expect(error.code == "store.schema-too-new" && error.description.contains("use a newer liandong"))
  }
}
