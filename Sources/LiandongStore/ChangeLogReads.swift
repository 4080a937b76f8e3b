import Foundation
import LiandongCore
import LiandongCrypto

/// What the change log answers without writing, written once for both engines: what a sync
/// session tells and sends a peer (the version vector, the heads, the changes after them, the
/// bodies asked for), and the digests nodes compare. Identifiers and hashes compare byte by byte
/// in both (`bytea`, and `COLLATE "C"` text in the PostgreSQL store).
public protocol ChangeLogReads: Sendable {
  /// Per origin, the highest sequence held without a gap.
  func versionVector() throws -> [NodeID: UInt64]
  func heads() throws -> [NodeID: ChangeID]
  func change(origin: NodeID, sequence: UInt64) throws -> SignedChange?
  /// Changes beyond `vector`, in each origin's order.
  func changes(after vector: [NodeID: UInt64], limit: Int, maximumBytes: Int) throws -> [SignedChange]
  func changes(touching objects: [ObjectID]) throws -> [SignedChange]
  /// Stubs whose bodies this node may hold and should ask for.
  func wantedBodies(limit: Int) throws -> [ChangeID]
  func bodies(of ids: [ChangeID]) throws -> [SignedChange]
  func certificateChain(fingerprint: Data) throws -> [Certificate]?
  func forkProofs() throws -> [SignedChange]
  func quarantinedOrigins() throws -> [String]
  /// Over the IDs of the changes held, and whether each is a stub.
  func changeSetDigest() throws -> String
  /// Over the IDs alone: equal on nodes that have caught up, whatever they may read.
  func heldChangesDigest() throws -> String
}

extension ChangeLogReads {
  /// Every change beyond `vector`.
  public func changes(after vector: [NodeID: UInt64]) throws -> [SignedChange] {
    try changes(after: vector, limit: .max, maximumBytes: .max)
  }

  public func changes(after vector: [NodeID: UInt64], maximumBytes: Int) throws -> [SignedChange] {
    try changes(after: vector, limit: .max, maximumBytes: maximumBytes)
  }

  /// Stubs whose bodies this node may hold and should ask for, up to the 1,024 one request asks.
  public func wantedBodies() throws -> [ChangeID] { try wantedBodies(limit: 1024) }
}

/// A store whose digests take its federation's hash (`NodeStore.useSuite`).
public protocol SuiteHashing {
  var suiteDigest: DigestAlgorithm { get }
}

extension ChangeLogReads where Self: SQLBackedStore & SuiteHashing {
  public func versionVector() throws -> [NodeID: UInt64] {
    try reading { try LogTables.tops($0).mapValues(\.sequence) }
  }

  /// Per origin, the ID of the change at the top of the version vector: with it, two nodes at
  /// the same sequence can tell whether they hold the same change there.
  public func heads() throws -> [NodeID: ChangeID] {
    try reading { try LogTables.tops($0).mapValues(\.head) }
  }

  public func change(origin: NodeID, sequence: UInt64) throws -> SignedChange? {
    try reading {
      try $0.rows(
        "SELECT header, signature, body FROM changes WHERE origin = ? AND sequence = ?",
        [.text(origin.rawValue), .integer(Int64(sequence))]
      ).first.map(Self.signedChange)
    }
  }

  /// Changes the holder of `vector` lacks, in sequence order per origin: at most `limit` of them
  /// and about `maximumBytes` (always at least one, however large). Read a page at a time, so a
  /// batch of 1.5 MiB reads about that much, not the whole of an origin's chain past the vector.
  public func changes(after vector: [NodeID: UInt64], limit: Int, maximumBytes: Int) throws
    -> [SignedChange]
  {
    try reading { db in
      var result: [SignedChange] = []
      var bytes = 0
      origins: for origin in try LogTables.origins(db) {
        var after = Int64(vector[try NodeID(origin)] ?? 0)
        while true {
          let page = try db.rows(
            "SELECT sequence, header, signature, body FROM changes WHERE origin = ? AND sequence > ? ORDER BY sequence LIMIT ?",
            [.text(origin), .integer(after), .integer(Int64(min(limit - result.count, Self.pageRows)))])
          for row in page {
            let change = try Self.signedChange(row)
            let size = change.headerBytes.count + change.signature.count + (change.body?.count ?? 0)
            if !result.isEmpty && bytes + size > maximumBytes { break origins }
            result.append(change)
            bytes += size
            if result.count >= limit { break origins }
            after = row.integer("sequence") ?? after
          }
          if page.count < Self.pageRows { break }
        }
      }
      return result
    }
  }

  /// Rows read at a time by `changes(after:)`: a few hundred kilobytes of one-lead changes.
  private static var pageRows: Int { 512 }
  /// IDs read at a time for the change-set digests: 32 bytes and a flag each.
  private static var digestPageRows: Int { 4096 }

  public func wantedBodies(limit: Int) throws -> [ChangeID] {
    try reading {
      try $0.rows(
        "SELECT change_id FROM p_wanted_bodies ORDER BY change_id LIMIT ?", [.integer(Int64(limit))]
      )
      .compactMap { $0.bytes("change_id").flatMap(ChangeID.init(bytes:)) }
    }
  }

  /// The changes with these IDs that this node holds with their bodies.
  public func bodies(of ids: [ChangeID]) throws -> [SignedChange] {
    try reading { db in
      try ids.compactMap { id in
        try db.rows(
          "SELECT header, signature, body FROM changes WHERE id = ? AND body IS NOT NULL", [.bytes(id.bytes)]
        ).first.map(Self.signedChange)
      }
    }
  }

  /// The changes (with bodies) holding operations on these objects, in replay order.
  public func changes(touching objects: [ObjectID]) throws -> [SignedChange] {
    try reading { db in
      var ids = Set<Data>()
      for object in objects {
        ids.formUnion(
          try db.rows(
            "SELECT DISTINCT change_id FROM p_operations WHERE object_id = ?", [.bytes(object.bytes)]
          )
          .compactMap { $0.bytes("change_id") })
      }
      return try ids.compactMap { id in
        try db.rows("SELECT header, signature, body FROM changes WHERE id = ?", [.bytes(id)]).first.map(
          Self.signedChange)
      }.sorted { ($0.header.time, $0.header.origin, $0.id) < ($1.header.time, $1.header.origin, $1.id) }
    }
  }

  /// The announced certificate chain (leaf first) with this leaf fingerprint, if known.
  public func certificateChain(fingerprint: Data) throws -> [Certificate]? {
    try reading {
      try $0.rows("SELECT chain_pem FROM p_certificates WHERE fingerprint = ?", [.bytes(fingerprint)]).first?
        .string("chain_pem").map { try Certificate.chain(pem: Data($0.utf8)) }
    }
  }

  /// Both signed headers of every fork this node has proof of, as stubs: a session passes them
  /// on, so that a fork found anywhere reaches every node that syncs, not only the one that
  /// happened to hold both changes.
  public func forkProofs() throws -> [SignedChange] {
    try reading {
      try $0.rows(
        """
        SELECT held_header, held_signature, other_header, other_signature FROM fork_proofs
        ORDER BY origin, sequence, other_id
        """, []
      ).flatMap { row in
        [
          try SignedChange(
            headerBytes: row.bytes("held_header") ?? Data(), signature: row.bytes("held_signature") ?? Data(),
            body: nil),
          try SignedChange(
            headerBytes: row.bytes("other_header") ?? Data(),
            signature: row.bytes("other_signature") ?? Data(),
            body: nil),
        ]
      }
    }
  }

  public func quarantinedOrigins() throws -> [String] {
    try reading {
      try $0.rows("SELECT origin FROM quarantine ORDER BY origin", []).compactMap { $0.string("origin") }
    }
  }

  public func changeSetDigest() throws -> String { try digestOfHeldChanges(markingStubs: true) }

  public func heldChangesDigest() throws -> String { try digestOfHeldChanges(markingStubs: false) }

  /// The suite's hash over the IDs of the changes held in byte order, each marked stub or full
  /// when `markingStubs`: two nodes with equal change-set digests hold the same changes, and
  /// must have equal projection digests. Read a page at a time.
  private func digestOfHeldChanges(markingStubs: Bool) throws -> String {
    try reading { db in
      let hasher = suiteDigest.hasher()
      var after = Data()
      while true {
        let page = try db.rows(
          "SELECT id, CASE WHEN body IS NULL THEN 0 ELSE 1 END AS full FROM changes WHERE id > ? ORDER BY id LIMIT ?",
          [.bytes(after), .integer(Int64(Self.digestPageRows))])
        for row in page {
          let id = row.bytes("id") ?? Data()
          hasher.update(id)
          if markingStubs { hasher.update(Data([row.integer("full") == 1 ? 1 : 0])) }
          after = id
        }
        if page.count < Self.digestPageRows { break }
      }
      return hasher.finalize().hex
    }
  }

  static func signedChange(_ row: SQLRow) throws -> SignedChange {
    try SignedChange(
      headerBytes: row.bytes("header") ?? Data(), signature: row.bytes("signature") ?? Data(),
      body: row.bytes("body"))
  }
}

extension LogTables {
  /// Per origin, the top sequence held and the change there, read together (a checkpoint states
  /// both, and must not pair one with a later other). Chains are stored without gaps, so the top
  /// is also the highest contiguous sequence.
  static func tops(_ db: any SQLConnection) throws -> [NodeID: (sequence: UInt64, head: ChangeID)] {
    var tops: [NodeID: (sequence: UInt64, head: ChangeID)] = [:]
    for origin in try origins(db) {
      guard
        let row = try db.rows(
          "SELECT sequence, id FROM changes WHERE origin = ? ORDER BY sequence DESC LIMIT 1", [.text(origin)]
        ).first,
        let sequence = row.integer("sequence"), let head = row.bytes("id").flatMap(ChangeID.init(bytes:))
      else { continue }
      tops[try NodeID(origin)] = (UInt64(sequence), head)
    }
    return tops
  }

  /// The origins of the changes held, in order: one index seek per origin, so a quiet sync
  /// costs the same with a million changes as with a thousand (a GROUP BY read every row).
  static func origins(_ db: any SQLConnection) throws -> [String] {
    var origins: [String] = []
    while let origin = try db.rows(
      "SELECT origin FROM changes WHERE origin > ? ORDER BY origin LIMIT 1", [.text(origins.last ?? "")]
    ).first?.string("origin") {
      origins.append(origin)
    }
    return origins
  }
}
