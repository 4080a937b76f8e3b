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
