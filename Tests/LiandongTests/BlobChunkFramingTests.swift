import Foundation
import Testing

@testable import LiandongProtocol

/// A blob chunk's frame is written around data read straight into it, and read with its data left
/// where it arrived (`BlobChunkFraming`). What a peer depends on: the bytes are those of the same
/// message encoded by SwiftProtobuf, and any frame decodes as SwiftProtobuf decodes it, whatever a
/// peer's encoder (or a hostile peer) puts on the wire.
@Suite("Blob chunk frames without copies")
struct BlobChunkFramingTests {
  @Test("a chunk's framing around its data is exactly what SwiftProtobuf writes for it")
  func framingMatchesProtobuf() {
    let sha256 = Data((0..<32).map { UInt8($0 * 7) })
    for offset: UInt64 in [0, 1, 127, 128, 300_000, 1 << 40, .max] {
      for count in [0, 1, 127, 128, 16_383, 16_384, BlobTransfer.chunkBytes] {
        for last in [false, true] {
          let data = Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) })
          let framing = BlobChunkFraming(sha256: sha256, offset: offset, count: count, last: last)
          let framed = Data(framing.head) + data + Data(framing.tail)
          let expected = FrameCoding.encode(
            .blobChunk(sha256: sha256, offset: offset, data: data, last: last))
          #expect(framed == expected, "offset \(offset), \(count) bytes, last: \(last)")
          #expect(framing.frameBytes(count: count) == expected.count)
        }
      }
    }
  }

  @Test("any frame, well formed or damaged, decodes as SwiftProtobuf decodes it")
  func parsingMatchesProtobuf() throws {
    let seed = UInt64.random(in: 0...UInt64.max)
    print("BlobChunkFramingTests seed \(seed)")
    var random = SeededGenerator(seed: seed)
    var fastPath = 0
    for round in 0..<3_000 {
      let count = [0, 1, 200, Int.random(in: 0...4_000, using: &random)].randomElement(using: &random)!
      let shaLength = round % 50 == 0 ? Int.random(in: 0...40, using: &random) : 32
      let frame = FrameCoding.encode(
        .blobChunk(
          sha256: Data((0..<shaLength).map { _ in UInt8.random(in: 0...255, using: &random) }),
          offset: [0, 5, .max, UInt64.random(in: 0...(1 << 50), using: &random)].randomElement(
            using: &random)!,
          data: Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }),
          last: Bool.random(using: &random)))
      var body = Array(frame.dropFirst(4))
      // Most rounds damage the body: a byte changed, cut off, added, or a field repeated or unknown.
      switch round % 6 {
      case 0: break
      case 1:
        body[Int.random(in: 0..<min(body.count, 48), using: &random)] = UInt8.random(
          in: 0...255, using: &random)
      case 2: body.removeLast(Int.random(in: 1...min(body.count, 40), using: &random))
      case 3: body.append(contentsOf: [0x20, 0x01])  // `last` again, after the data
      case 4: body.append(contentsOf: [0x28, 0x05])  // an unknown field 5
      default:
        body.insert(
          UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...body.count, using: &random))
      }
      // A slice that does not start at index 0, as the frame decoder hands it over.
      let received = (Data([9, 9, 9]) + Data(body)).dropFirst(3)
      if BlobChunkFraming.parse(received) != nil { fastPath += 1 }
      let ours = Result { () throws(ProtocolError) in try FrameCoding.decode(received) }
      let protobuf = Result { () throws(ProtocolError) in try FrameCoding.decodeMessage(Data(body)) }
      switch (ours, protobuf) {
      case (.success(let a), .success(let b)): #expect(a == b, "seed \(seed), round \(round)")
      case (.failure, .failure): break
      default: Issue.record("seed \(seed), round \(round): \(ours) where SwiftProtobuf gives \(protobuf)")
      }
    }
    #expect(fastPath > 500, "the rounds left whole must take the path without copies")
  }

  @Test(
    "a chunk is left where it arrived only when it is most of the bytes held, so waiting chunks hold no large frame"
  )
  func lendsOnlyForMostOfTheBuffer() throws {
    let sha256 = Data(repeating: 7, count: 32)
    let chunk = SyncFrame.blobChunk(
      sha256: sha256, offset: 0, data: Data(repeating: 1, count: 100_000), last: false)
    let large = SyncFrame.failure(code: "x", message: String(repeating: "m", count: 2_000_000))
    var alone = FrameDecoder()
    #expect(try alone.feed(FrameCoding.encode(chunk)) == [chunk])
    #expect(alone.isLending)
    var beside = FrameDecoder()
    #expect(try beside.feed(FrameCoding.encode(large) + FrameCoding.encode(chunk)) == [large, chunk])
    #expect(!beside.isLending, "a chunk decoded beside a frame twenty times its size must be copied out")
    // A decoder that lent its bytes goes on with a buffer of its own: earlier chunks keep theirs.
    var stream = FrameDecoder()
    let first = try stream.feed(FrameCoding.encode(chunk) + FrameCoding.encode(chunk).prefix(10))
    let second = try stream.feed(FrameCoding.encode(chunk).dropFirst(10))
    #expect(first == [chunk] && second == [chunk])
  }
}
