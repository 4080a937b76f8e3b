import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import LiandongNode

/// A serving node streams an evidence file of any size through the outbound queue; what bounds
/// its memory is that the blob server waits while the queue's bytes have not reached the socket.
@Suite("The outbound queue holds a blob's chunks back until the socket takes them")
struct OutboundQueueTests {
  /// A socket that takes bytes only when the test says so: it keeps each write's promise.
  private final class HeldWrites: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    var promises: [EventLoopPromise<Void>?] = []
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
      promises.append(promise)
    }
    func flush(context: ChannelHandlerContext) {}
  }

  private let chunk = 256 << 10

  private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
  }

  /// A queue draining into a socket that has taken none of the blob chunks handed to it, one
  /// more than the queue's room.
  private func fullQueue() async throws -> (
    NIOAsyncTestingChannel, HeldWrites, OutboundQueue, Task<Void, Never>
  ) {
    let channel = NIOAsyncTestingChannel()
    let socket = HeldWrites()
    try await channel.pipeline.addHandler(socket)
    let queue = OutboundQueue()
    let drain = Task { await queue.drain(into: channel) }
    let frames = OutboundQueue.roomBytes / chunk + 1
    for _ in 0..<frames { queue.enqueue(ByteBuffer(repeating: 7, count: chunk)) }
    try #require(
      try await eventually(10) {
        try await channel.testingEventLoop.executeInContext { socket.promises.count == frames }
      })
    return (channel, socket, queue, drain)
  }

  @Test("a producer waits until the socket has taken the bytes, not until NIO has been handed them")
  func roomIsMadeByTheSocket() async throws {
    let (channel, socket, queue, drain) = try await fullQueue()

    // Every frame is in NIO's hands, none written: the queue is still full.
    let madeRoom = Flag()
    let room = Task {
      await queue.waitForRoom()
      madeRoom.set()
    }
    for _ in 0..<1_000 { await Task.yield() }
    #expect(!madeRoom.isSet)
    #expect(!queue.isClosed)

    // The socket takes two frames: below the limit again, so the producer goes on.
    try await channel.testingEventLoop.executeInContext {
      socket.promises[0]?.succeed(())
      socket.promises[1]?.succeed(())
    }
    await room.value
    #expect(madeRoom.isSet)
    queue.close()
    await drain.value
    try await channel.testingEventLoop.executeInContext {
      for promise in socket.promises.dropFirst(2) { promise?.succeed(()) }
    }
    _ = try await channel.finish()
  }

  @Test("a write the connection refuses closes the queue, and wakes a producer waiting for room")
  func failedWriteCloses() async throws {
    let (channel, socket, queue, drain) = try await fullQueue()
    let room = Task { await queue.waitForRoom() }
    try await channel.testingEventLoop.executeInContext {
      socket.promises[0]?.fail(ChannelError.ioOnClosedChannel)
    }
    await room.value
    #expect(queue.isClosed)
    await drain.value
    try await channel.testingEventLoop.executeInContext {
      for promise in socket.promises.dropFirst() { promise?.fail(ChannelError.ioOnClosedChannel) }
    }
    _ = try await channel.finish()
  }
}
