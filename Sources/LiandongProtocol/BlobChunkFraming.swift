import Foundation

/// A `BlobChunk` frame's bytes around its data, written and read by hand so that a chunk's data
/// is not copied on its way through: the sender reads the file straight into the buffer that goes
/// to TLS between `head` and `tail`, and the receiver takes the data as a slice of the bytes it
/// received. The bytes are exactly what SwiftProtobuf writes for the same message (fields in
/// number order, fields holding their default left out), so either side may use either path.
public struct BlobChunkFraming: Equatable, Sendable {
  /// The length prefix, the `Frame` field and the chunk's fields up to its data's length.
  public let head: [UInt8]
  /// After the data: the `last` field, or nothing.
  public let tail: [UInt8]

  /// The framing of a chunk of `count` bytes of data.
  public init(sha256: Data, offset: UInt64, count: Int, last: Bool) {
    var chunk: [UInt8] = []
    chunk.reserveCapacity(48)
    if !sha256.isEmpty {
      chunk.append(Self.tag(1, .lengthDelimited))
      Self.appendVarint(UInt64(sha256.count), to: &chunk)
      chunk.append(contentsOf: sha256)
    }
    if offset != 0 {
      chunk.append(Self.tag(2, .varint))
      Self.appendVarint(offset, to: &chunk)
    }
    if count != 0 {
      chunk.append(Self.tag(3, .lengthDelimited))
      Self.appendVarint(UInt64(count), to: &chunk)
    }
    tail = last ? [Self.tag(4, .varint), 1] : []
    var frame: [UInt8] = [Self.tag(Self.frameField, .lengthDelimited)]
    Self.appendVarint(UInt64(chunk.count + count + tail.count), to: &frame)
    let body = frame.count + chunk.count + count + tail.count
    head = withUnsafeBytes(of: UInt32(body).bigEndian, Array.init) + frame + chunk
  }

  /// The whole frame's size on the wire, its length prefix included.
  public func frameBytes(count: Int) -> Int { head.count + count + tail.count }

  /// A chunk read from a `Frame` body laid out as `init` lays it out, its data a slice of `body`
  /// (no copy); nil for any other layout, which SwiftProtobuf then decodes in full. Checks of
  /// the values (the hash's length, the data's size) are the caller's, as for decoded frames.
  static func parse(_ body: Data) -> (sha256: Data, offset: UInt64, data: Data, last: Bool)? {
    var reader = Reader(body)
    guard reader.byte() == tag(frameField, .lengthDelimited), let length = reader.varint(),
      length == UInt64(reader.remaining)
    else { return nil }
    var sha256 = Data(), offset: UInt64 = 0, data = Data(), last = false
    var field: UInt8? = reader.byte()
    if field == tag(1, .lengthDelimited) {
      guard let count = reader.varint(), count > 0, let bytes = reader.take(count) else { return nil }
      sha256 = Data(bytes)  // 32 bytes: copied, so the chunk's slice is all that holds `body`
      field = reader.byte()
    }
    if field == tag(2, .varint) {
      guard let value = reader.varint(), value != 0 else { return nil }
      offset = value
      field = reader.byte()
    }
    if field == tag(3, .lengthDelimited) {
      guard let count = reader.varint(), count > 0, let bytes = reader.take(count) else { return nil }
      data = bytes
      field = reader.byte()
    }
    if field == tag(4, .varint) {
      guard reader.byte() == 1 else { return nil }
      last = true
      field = reader.byte()
    }
    guard field == nil, reader.remaining == 0 else { return nil }
    return (sha256, offset, data, last)
  }

  /// `Frame.blob_chunk` in sync.proto.
  private static let frameField: UInt8 = 7

  private enum WireType: UInt8 {
    case varint = 0
    case lengthDelimited = 2
  }

  private static func tag(_ field: UInt8, _ type: WireType) -> UInt8 { field << 3 | type.rawValue }

  private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  /// Reads a body front to back; every read past its end gives nil.
  private struct Reader {
    let body: Data
    var position: Data.Index

    init(_ body: Data) {
      self.body = body
      position = body.startIndex
    }

    var remaining: Int { body.endIndex - position }

    mutating func byte() -> UInt8? {
      guard position < body.endIndex else { return nil }
      defer { position += 1 }
      return body[position]
    }

    /// A varint of at most ten bytes, as protobuf writes a 64-bit one.
    mutating func varint() -> UInt64? {
      var value: UInt64 = 0
      for shift in stride(from: UInt64(0), to: 70, by: 7) {
        guard let byte = byte(), shift < 63 || byte <= 1 else { return nil }  // past 64 bits
        value |= UInt64(byte & 0x7f) << shift
        if byte < 0x80 { return value }
      }
      return nil
    }

    mutating func take(_ count: UInt64) -> Data? {
      guard count <= UInt64(remaining) else { return nil }
      defer { position += Int(count) }
      return body[position..<position + Int(count)]
    }
  }
}
