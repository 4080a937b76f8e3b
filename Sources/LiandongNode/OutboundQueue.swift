import NIOCore
import Synchronization

/// Frames waiting to be written, drained by one writer task. The session loop only enqueues, so it
/// never waits on a write and always keeps reading: two peers sending each other large blobs at
/// once cannot block each other. Bulk producers (blob serving) wait for room before enqueuing,
/// which keeps memory flat.
final class OutboundQueue: Sendable {
  /// Above this many queued bytes a bulk producer waits.
  static let roomBytes = 4 << 20

  private struct State {
    var queuedBytes = 0
    var closed = false
    var waiting: [CheckedContinuation<Void, Never>] = []
  }

  private let state = Mutex(State())
  private let stream: AsyncStream<ByteBuffer>
  private let continuation: AsyncStream<ByteBuffer>.Continuation

  init() {
    (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
  }

  var isClosed: Bool { state.withLock { $0.closed } }

  func enqueue(_ buffer: ByteBuffer) {
    let open = state.withLock { state -> Bool in
      guard !state.closed else { return false }
      state.queuedBytes += buffer.readableBytes
      return true
    }
    if open { continuation.yield(buffer) }
  }

  /// Returns once the queue holds less than `roomBytes`, or is closed.
  func waitForRoom() async {
    await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
      let ready = state.withLock { state -> Bool in
        if state.closed || state.queuedBytes < Self.roomBytes { return true }
        state.waiting.append(waiter)
        return false
      }
      if ready { waiter.resume() }
    }
  }

  /// No more frames: the writer writes what is queued, then ends.
  func close() {
    let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.closed = true
      defer { state.waiting = [] }
      return state.waiting
    }
    for waiter in waiting { waiter.resume() }
    continuation.finish()
  }

  /// Writes every queued frame in order until the queue closes or a write fails.
  ///
  /// A frame's bytes count against `roomBytes` until the socket has taken them (its write's
  /// promise), not merely until NIO accepted it: `NIOAsyncChannel`'s writer hands each write to
  /// the event loop as a task of its own and learns that the channel is full only when the loop
  /// gets to them, so a producer reading from the page cache faster than the loop encrypts
  /// could pile up tens of megabytes of chunks in between. Writes go to the channel directly
  /// (the async writer is left unused, and finished by `executeThenClose` after the last one).
  func drain(into channel: any Channel) async {
    for await buffer in stream {
      let size = buffer.readableBytes
      let written = channel.eventLoop.makePromise(of: Void.self)
      channel.writeAndFlush(buffer, promise: written)
      written.futureResult.whenComplete { [self] result in
        if case .failure = result {
          // The connection is gone; the session loop learns it from the read side.
          close()
        }
        wrote(size)
      }
    }
  }

  /// `size` bytes are out of the queue's hands: wakes the producers waiting for room.
  private func wrote(_ size: Int) {
    let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.queuedBytes -= size
      guard state.queuedBytes < Self.roomBytes else { return [] }
      defer { state.waiting = [] }
      return state.waiting
    }
    for waiter in waiting { waiter.resume() }
  }
}
