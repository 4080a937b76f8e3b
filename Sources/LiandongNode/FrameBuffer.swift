import Foundation
import LiandongProtocol
import NIOCore

extension ByteBuffer {
  /// A frame as it goes on the wire (its length, then its `Frame` message), written once into the
  /// buffer handed to TLS: a blob chunk is no longer copied into a framed `Data` first.
  init(frame: SyncFrame) {
    let body = FrameCoding.encodeBody(frame)
    self = ByteBufferAllocator().buffer(capacity: body.count + 4)
    writeInteger(UInt32(body.count))
    writeBytes(body)
  }
}

extension ByteBuffer {
  /// A blob chunk's frame whose `count` bytes of data `fill` writes in place, so a file is read
  /// straight into the buffer handed to TLS; nil when `fill` gives fewer (the file ended early).
  init?(
    blobChunk sha256: Data, offset: UInt64, count: Int, last: Bool,
    fill: (UnsafeMutableRawBufferPointer) throws -> Int
  ) rethrows {
    let framing = BlobChunkFraming(sha256: sha256, offset: offset, count: count, last: last)
    self = ByteBufferAllocator().buffer(capacity: framing.frameBytes(count: count))
    writeBytes(framing.head)
    let filled = try writeWithUnsafeMutableBytes(minimumWritableBytes: count) { space in
      try fill(UnsafeMutableRawBufferPointer(rebasing: space[0..<count]))
    }
    guard filled == count else { return nil }
    writeBytes(framing.tail)
  }
}
