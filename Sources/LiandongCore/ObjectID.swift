import Foundation

/// The UUID of a domain object (subject, lead, ...). Random, so that nodes create objects
/// without asking anyone; sorted by bytes, so that folds are deterministic.
///
/// Held as two big-endian words rather than `Data`: every fold hashes, compares and sorts these
/// IDs, and through `Data` each of those walked an iterator byte by byte (the sort alone was a
/// sixth of a bulk import). Comparing the words compares the bytes in the same order.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Bytes 0-7 and 8-15, the first byte most significant.
  private let high: UInt64
  private let low: UInt64

  public init() { self.init(uuid: UUID().uuid) }

  public init?(bytes: Data) {
    guard bytes.count == 16 else { return nil }
    self.init(uuid: bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) })
  }

  public init(_ text: String) throws {
    guard let uuid = UUID(uuidString: text) else { throw CoreError.invalidObjectID(text) }
    self.init(uuid: uuid.uuid)
  }

  private init(uuid: uuid_t) {
    let words = withUnsafeBytes(of: uuid) {
      (
        $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
        $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
      )
    }
    high = UInt64(bigEndian: words.0)
    low = UInt64(bigEndian: words.1)
  }

  /// The 16 bytes, in the order they are stored and sent.
  public var bytes: Data {
    var words = (high.bigEndian, low.bigEndian)
    return withUnsafeBytes(of: &words) { Data($0) }
  }

  /// Lower-case 8-4-4-4-12, written directly: `UUID.uuidString` formats through `snprintf`.
  public var description: String {
    String(unsafeUninitializedCapacity: 36) { out in
      var position = 0
      for index in 0..<16 {
        if index == 4 || index == 6 || index == 8 || index == 10 {
          out[position] = UInt8(ascii: "-")
          position += 1
        }
        let word = index < 8 ? high : low
        let byte = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
        out[position] = Self.hexDigits[Int(byte >> 4)]
        out[position + 1] = Self.hexDigits[Int(byte & 0x0f)]
        position += 2
      }
      return position
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  public static func < (a: ObjectID, b: ObjectID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
