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
  /// HTTP/1.1, over TLS when a context is given.
  static func http1(tls: TLSContext?) -> HTTPServerBuilder {
    guard let tls else { return .http1() }
    return HTTPServerBuilder { responder in
      HTTPSChannel(base: HTTP1Channel(responder: responder), context: tls)
    }
  }
}
