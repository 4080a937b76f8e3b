import Foundation
import LiandongApp
import OpenAPIRuntime
import ServiceLifecycle

/// `/v1/events`: server-sent events of what the node commits (`NodeEvent`), read from the log
/// by position, so a client that reconnects with `Last-Event-ID` misses nothing and sees
/// nothing twice; and `node` events, which carry nothing and no id, when the node's own state
/// moved (a sync with a peer, a fork, a checkpoint), for a page to fetch it again. The stream polls the store a few times a second: an event reaches a client
/// well within a second of its commit, and an idle stream costs one indexed query per poll.
enum EventStream {
  static let pollInterval = Duration.milliseconds(200)
  /// How often the node's own state (`NodeStateMark`: peers' syncs, forks, checkpoints) is
  /// compared, to announce a `node` event, with no id, when it moved.
  static let nodeStateInterval = Duration.seconds(1)
  static let heartbeat = Duration.seconds(15)

  /// The stream's body. It ends after `lifetime`, when the client goes, or when the node stops.
  static func body(app: NodeApp, caller: Caller, after start: Int64, lifetime: Duration) -> HTTPBody {
    let (stream, continuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
    let producer = Task {
      let clock = ContinuousClock()
      let end = clock.now + lifetime
      var position = start
      var lastWrite = clock.now
      continuation.yield(ArraySlice("retry: 2000\n\n".utf8))
      var mark = try? app.nodeStateMark()
      var lastMarkCheck = clock.now
      while !Task.isCancelled, !Task.isShuttingDownGracefully, clock.now < end {
        if clock.now - lastMarkCheck >= nodeStateInterval {
          lastMarkCheck = clock.now
          if let now = try? app.nodeStateMark(), now != mark {
            mark = now
            continuation.yield(ArraySlice("event: node\ndata: {}\n\n".utf8))
            lastWrite = clock.now
          }
        }
        let events: [NodeEvent]
        do { events = try app.events(after: position, for: caller) } catch { break }
        for event in events {
          continuation.yield(ArraySlice(frame(event).utf8))
          position = event.position
          lastWrite = clock.now
        }
        if events.isEmpty {
          if clock.now - lastWrite >= heartbeat {
            continuation.yield(ArraySlice(": still here\n\n".utf8))
            lastWrite = clock.now
          }
          try? await Task.sleep(for: pollInterval)
        }
      }
      continuation.finish()
    }
    continuation.onTermination = { _ in producer.cancel() }
    return HTTPBody(stream, length: .unknown, iterationBehavior: .single)
  }

  /// One event in the text/event-stream format: its position as the id, its JSON on one line.
  static func frame(_ event: NodeEvent) -> String {
    let json = (try? JSONEncoder.sorted.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    return "id: \(event.position)\nevent: change\ndata: \(json)\n\n"
  }
}

extension NodeAPI {
  func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
    // Every role may follow the stream; what an event shows depends on the role (NodeEvent).
    let caller = try CurrentCaller.required()
    try caller.require(.readNode)
    let start: Int64
    if let last = input.headers.lastEventID {
      guard let position = Int64(last), position >= 0 else {
        throw Failure(code: "api.bad-request", message: "Last-Event-ID is the id of an event, a whole number")
      }
      start = position
    } else {
      start = try app.lastEventPosition()
    }
    let seconds = input.query.seconds ?? 300
    return .ok(
      .init(
        body: .textEventStream(
          EventStream.body(app: app, caller: caller, after: start, lifetime: .seconds(seconds)))))
  }
}
