import Foundation
import LiandongCrypto

/// The projection digest: SHA-256 over every projection row in a canonical form that does not
/// depend on the store's engine, so that a node on SQLite and a hub on PostgreSQL that hold the
/// same changes give the same digest (invariant 1 across backends). `Protocol/PROJECTIONS.md`
/// specifies it; a backend reads its rows as typed values and feeds them here.
///
/// For each table of `tables`, in that order, the line `table NAME\n`; then each row, ordered by
/// the table's key columns (text and bytes in byte order, as C collation compares them; integers
/// by value), as its columns in order of their
/// names (byte order): the name's UTF-8 bytes, a type tag (0 null, 1 integer, 2 real, 3 text,
/// 4 bytes), and for all but null an 8-byte big-endian length and the value (integers as 8-byte
/// big-endian two's complement, reals as their IEEE 754 bits big-endian, text as UTF-8); a
/// newline ends the row. Booleans are integers 0 and 1; times and dates are text as stored.
///
/// Bytes are gathered and hashed 64 KiB at a time: a hash call and a `Data` per column made
/// `liandong status` take seconds on a store of a few hundred thousand leads.
public struct ProjectionDigest: ~Copyable {
  /// A column's value, its bytes valid only during the call that passes it.
  public enum Value {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeRawBufferPointer)
    case bytes(UnsafeRawBufferPointer)
  }

  /// Every digested projection and the key its rows are ordered by. The operation index and the
  /// list of wanted bodies are derived too, but are bookkeeping of this node, not its view.
  public static let tables: [(table: String, key: [String])] = [
    ("p_certificates", ["fingerprint"]),
    ("p_subjects", ["id"]),
    ("p_leads", ["id"]),
    ("p_evidence", ["id"]),
    ("p_requests", ["id"]),
    ("p_custody", ["change_id", "op_index"]),
    ("p_handoffs", ["lead_id"]),
    ("p_lead_handling", ["lead_id", "bureau"]),
    ("p_lead_notes", ["lead_id"]),
    ("p_police_transfers", ["id"]),
    ("p_refusals", ["change_id", "op_index"]),
    ("p_manifests", ["sha256"]),
    ("p_disputes", ["lead_id"]),
    ("p_designations", ["lead_id"]),
    ("p_evidence_shares", ["evidence_id", "node"]),
    ("p_shared_history", ["lead_id", "position"]),
    ("p_handoff_heads", ["lead_id"]),
    ("p_handoff_conflicts", ["lead_id", "operation"]),
    ("p_warnings", ["id"]),
  ]

  private let hasher: StreamingHasher
  private var pending: [UInt8] = []
  /// The current table's columns in digest order, as positions in the rows the backend reads.
  private var columnOrder: [Int] = []

  private static let piece = 64 << 10

  /// `digest` is the federation suite's: the digest is compared between its nodes.
  public init(digest: DigestAlgorithm) {
    hasher = digest.hasher()
    pending.reserveCapacity(Self.piece)
  }

  /// Starts the next table; its rows follow in key order.
  public mutating func beginTable(_ name: String, columns: [String]) {
    pending.append(contentsOf: Array("table \(name)\n".utf8))
    columnOrder = columns.indices.sorted { columns[$0].utf8.lexicographicallyPrecedes(columns[$1].utf8) }
    columnNames = columns.map { Array($0.utf8) }
  }

  private var columnNames: [[UInt8]] = []

  /// One row: `value(i)` is the value of the table's `i`th column as named in `beginTable`.
  public mutating func appendRow(_ value: (Int) -> Value) {
    for column in columnOrder {
      pending.append(contentsOf: columnNames[column])
      switch value(column) {
      case .null: pending.append(0)
      case .integer(let integer): tagged(1, integer.bigEndian)
      case .real(let real): tagged(2, real.bitPattern.bigEndian)
      case .text(let bytes): tagged(3, bytes)
      case .bytes(let bytes): tagged(4, bytes)
      }
    }
    pending.append(0x0a)
    if pending.count >= Self.piece { flush() }
  }

  private mutating func tagged(_ tag: UInt8, _ bytes: UnsafeRawBufferPointer) {
    pending.append(tag)
    withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { pending.append(contentsOf: $0) }
    pending.append(contentsOf: bytes)
  }

  private mutating func tagged<Word: FixedWidthInteger>(_ tag: UInt8, _ word: Word) {
    withUnsafeBytes(of: word) { tagged(tag, $0) }
  }

  private mutating func flush() {
    pending.withUnsafeBytes { hasher.update(bytes: $0) }
    pending.removeAll(keepingCapacity: true)
  }

  /// The digest, hex-encoded.
  public consuming func finalize() -> String {
    flush()
    return hasher.finalize().hex
  }
}
