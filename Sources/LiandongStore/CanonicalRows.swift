import Foundation
import LiandongCrypto

/// The byte stream the projection digest hashes: for each column its name, then a type tag
/// (0 NULL, 1 integer, 2 real, 3 text, 4 blob), and for every type but NULL an 8-byte big-endian
/// length and the value's bytes (integers and reals as 8 big-endian bytes); a newline ends each
/// row. Bytes are gathered and hashed 64 KiB at a time: a call into OpenSSL and a `Data` for
/// every column made `liandong status` take seconds on a store of a few hundred thousand leads.
struct CanonicalRows {
  private let hasher = SHA256.Hasher()
  private var pending: [UInt8] = []

  init() { pending.reserveCapacity(Self.piece) }

  private static let piece = 64 << 10

  mutating func append(_ row: ResultRow) {
    for column in 0..<row.columnCount {
      append(row.name(column))
      switch row.value(column) {
      case .null: pending.append(0)
      case .integer(let value): tagged(1, value.bigEndian)
      case .real(let value): tagged(2, value.bitPattern.bigEndian)
      case .text(let bytes): tagged(3, bytes)
      case .blob(let bytes): tagged(4, bytes)
      }
    }
    pending.append(0x0a)
    if pending.count >= Self.piece { flush() }
  }

  mutating func append(_ bytes: some Sequence<UInt8>) { pending.append(contentsOf: bytes) }

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

  mutating func finalize() -> Data {
    flush()
    return hasher.finalize()
  }
}
