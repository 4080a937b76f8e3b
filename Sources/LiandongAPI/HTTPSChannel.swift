import HummingbirdCore
import LiandongTLS
import Logging
import NIOCore

/// HTTP/1.1 inside the node's own OpenSSL TLS handler, so the API needs no second TLS stack
/// (Hummingbird's TLS uses swift-nio-ssl's copy of BoringSSL, which the node never links).
struct HTTPSChannel<Base: ServerChildChannel>: ServerChildChannel {
  typealias Value = Base.Value
  let base: Base
  let context: TLSContext

  func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
    channel.eventLoop.makeCompletedFuture {
      try channel.pipeline.syncOperations.addHandler(
        OpenSSLTLSHandler(context: context, handshakePromise: nil, logger: logger))
    }.flatMap { base.setup(channel: channel, logger: logger) }
  }

  func handle(value: Value, logger: Logger) async { await base.handle(value: value, logger: logger) }
}

extension HTTPSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
  var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
  /// HTTP/1.1, over TLS when a context is given. A connection with no request in progress is
  /// closed after a minute, so idle or abandoned clients do not hold sockets.
  static func http1(tls: TLSContext?) -> HTTPServerBuilder {
    let configuration = HTTP1Channel.Configuration(idleTimeout: .seconds(60))
    guard let tls else { return .http1(configuration: configuration) }
    return HTTPServerBuilder { responder in
      HTTPSChannel(base: HTTP1Channel(responder: responder, configuration: configuration), context: tls)
    }
  }
}
