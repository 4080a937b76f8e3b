import Foundation
import GRDB
import LiandongCore
import LiandongCrypto
import Testing

@testable import LiandongStore

/// The projection digest is how nodes, `rebuild` and the tests tell that two stores' projections
/// are identical; it is computed straight from SQLite's columns, and must equal the encoding it
/// specifies, written here the plain way through GRDB.
@Suite("The projection digest")
struct ProjectionDigestTests {
  /// The specification (Protocol/PROJECTIONS.md): per table its header line; per row, per column
  /// in order of the columns' names, its name, then a type tag, and for all but NULL an 8-byte
  /// big-endian length and the bytes; a newline per row.
  private func specifiedDigest(_ store: NodeStore) throws -> String {
    var stream = Data()
    func tagged(_ tag: UInt8, _ bytes: Data) {
      stream.append(tag)
      withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { stream.append(contentsOf: $0) }
      stream.append(bytes)
    }
    try store.read { db in
      for (table, orderBy) in Schema.projections {
        stream.append(Data("table \(table)\n".utf8))
        for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(orderBy)") {
          let columns = row.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
          for (column, value) in columns {
            stream.append(Data(column.utf8))
            switch value.storage {
            case .null: stream.append(0)
            case .int64(let int): tagged(1, withUnsafeBytes(of: int.bigEndian) { Data($0) })
            case .double(let real): tagged(2, withUnsafeBytes(of: real.bitPattern.bigEndian) { Data($0) })
            case .string(let text): tagged(3, Data(text.utf8))
            case .blob(let blob): tagged(4, blob)
            }
          }
          stream.append(0x0a)
        }
      }
    }
    return SHA256.hash(stream).hex
  }

  @Test("it is SHA-256 over the specified encoding of every projection row, over many hash pieces")
  func matchesTheSpecification() throws {
    let node = try SimulatedNode("n0")
    // Enough rows that the digest is hashed in several 64 KiB pieces; NULLs, integers, text in
    // Chinese and blobs (certificate fingerprints) among them.
    for index in 0..<400 { try node.addLead(summary: "第\(index)条: 一天出报告, 保证通过") }
    let lead = try node.addLead(uscc: "91350100M000100Y43")
    try node.addEvidence(Data("a screenshot".utf8), to: lead, audience: .all)
    let digest = try node.store.projectionDigest()
    #expect(digest == (try specifiedDigest(node.database)))

    // One character of one row, or a NULL turned into empty text, changes it.
    try node.database.writeTransaction { db in
      try db.execute(
        sql: "UPDATE p_leads SET summary = summary || '.' WHERE id = ?", arguments: [lead.description])
    }
    let edited = try node.store.projectionDigest()
    #expect(edited != digest)
    #expect(edited == (try specifiedDigest(node.database)))
    try node.database.writeTransaction { db in
      try db.execute(
        sql: "UPDATE p_subjects SET url = '' WHERE id = (SELECT min(id) FROM p_subjects) AND url IS NULL")
    }
    #expect(try node.store.projectionDigest() != edited)
  }
}
