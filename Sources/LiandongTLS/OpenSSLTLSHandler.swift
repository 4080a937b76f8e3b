import COpenSSL
import Foundation
import LiandongCore
import LiandongCrypto
import Logging
import NIOCore

/// A SwiftNIO channel handler that runs TLS 1.3 with the system OpenSSL. Ciphertext from the
/// network goes into one memory BIO, OpenSSL's output comes out of another, and plaintext moves
/// up and down the pipeline. Nothing an unauthenticated peer sends is passed up: application data
/// flows only after the handshake and the peer's identity check succeed, and the bytes a peer may
/// send before that are capped.
public final class OpenSSLTLSHandler: ChannelDuplexHandler {
  public typealias InboundIn = ByteBuffer
  public typealias InboundOut = ByteBuffer
  public typealias OutboundIn = ByteBuffer
  public typealias OutboundOut = ByteBuffer

  private enum State {
    case idle, handshaking, active, closing, closed
  }

  private let tls: TLSContext
  private let ssl: OpaquePointer
  private let networkIn: OpaquePointer
  private let networkOut: OpaquePointer
  private let expectedPeer: NodeID?
  private let handshakePromise: EventLoopPromise<PeerIdentity>?
  private let logger: Logger
  private var state = State.idle
  private var handshakeBytes = 0
  private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
  private var flushPending = false
  private var handshakeTimer: Scheduled<Void>?
  private var idleTimer: Scheduled<Void>?
  private var lastActivity = NIODeadline.now()
  private var receivedCloseNotify = false
  private var peerAddress = "unknown address"
  private var handshakeSettled = false

  /// `handshakePromise` succeeds with the peer's identity once it is authenticated, or fails with
  /// the `TLSError` that refused it. `expectedPeer` (for a client) names the node it meant to reach.
  /// An HTTPS server's clients have no node identity: it passes no promise.
  public init(
    context tls: TLSContext, handshakePromise: EventLoopPromise<PeerIdentity>?, expectedPeer: NodeID? = nil,
    logger: Logger
  ) throws {
    self.tls = tls
    self.handshakePromise = handshakePromise
    self.expectedPeer = expectedPeer
    self.logger = logger
    OpenSSLErrors.clear()
    guard let ssl = SSL_new(tls.pointer), let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem())
    else {
      throw TLSError.configuration(reason: "SSL_new: \(OpenSSLErrors.drain())")
    }
    // An empty input BIO means "wait for more", not end of file.
    _ = liandong_BIO_set_mem_eof_return(input, -1)
    SSL_set_bio(ssl, input, output)  // the SSL object now owns both BIOs
    if tls.role == .client { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
    self.ssl = ssl
    networkIn = input
    networkOut = output
  }

  deinit { SSL_free(ssl) }

  // MARK: Lifecycle

  public func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { start(context) }
  }

  /// A channel that never became active (a refused TCP connect) is removed without
  /// `channelInactive`: the handshake's outcome must still be settled.
  public func handlerRemoved(context: ChannelHandlerContext) {
    handshakeTimer?.cancel()
    idleTimer?.cancel()
    settleHandshake(
      .failure(
        TLSError.handshakeFailed(reason: "the connection ended before the handshake", verification: nil)))
    failPendingWrites(ChannelError.ioOnClosedChannel)
  }

  /// Completes the handshake promise the first time; later outcomes are ignored.
  private func settleHandshake(_ result: Result<PeerIdentity, Error>) {
    guard !handshakeSettled else { return }
    handshakeSettled = true
    handshakePromise?.completeWith(result)
  }

  public func channelActive(context: ChannelHandlerContext) {
    start(context)
    context.fireChannelActive()
  }

  private func start(_ context: ChannelHandlerContext) {
    guard state == .idle else { return }
    state = .handshaking
    peerAddress = context.remoteAddress.map { "\($0)" } ?? "unknown address"
    let timeout = tls.configuration.handshakeTimeout
    handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout * 1000)))
    {
      [self] in
      if state == .handshaking { refuse(context, .handshakeTimeout(seconds: Int64(timeout))) }
    }
    if tls.role == .client { advanceHandshake(context) }
  }

  public func channelInactive(context: ChannelHandlerContext) {
    handshakeTimer?.cancel()
    idleTimer?.cancel()
    let previous = state
    state = .closed
    failPendingWrites(ChannelError.ioOnClosedChannel)
    switch previous {
    case .idle, .handshaking:
      let error = TLSError.handshakeFailed(
        reason: "the peer closed the connection during the handshake", verification: nil)
      log(refusal: error)
      settleHandshake(.failure(error))
    case .active:
      if !receivedCloseNotify { context.fireErrorCaught(TLSError.uncleanShutdown) }
    case .closing, .closed:
      break
    }
    context.fireChannelInactive()
  }

  public func errorCaught(context: ChannelHandlerContext, error: Error) {
    if state == .handshaking || state == .idle { settleHandshake(.failure(error)) }
    context.fireErrorCaught(error)
  }

  // MARK: Inbound

  public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let buffer = unwrapInboundIn(data)
    lastActivity = .now()
    switch state {
    case .idle, .handshaking:
      handshakeBytes += buffer.readableBytes
      guard handshakeBytes <= tls.configuration.maximumHandshakeBytes else {
        return refuse(context, .handshakeTooLarge(bytes: handshakeBytes))
      }
      feed(buffer)
      advanceHandshake(context)
    case .active, .closing:
      feed(buffer)
      readPlaintext(context)
    case .closed:
      break
    }
  }

  private func feed(_ buffer: ByteBuffer) {
    buffer.withUnsafeReadableBytes { bytes in
      guard let base = bytes.baseAddress, bytes.count > 0 else { return }
      _ = BIO_write(networkIn, base, Int32(bytes.count))  // a memory BIO takes everything
    }
  }

  private func advanceHandshake(_ context: ChannelHandlerContext) {
    OpenSSLErrors.clear()
    let result = SSL_do_handshake(ssl)
    if result == 1 {
      writeNetworkOutput(context, flush: true)
      return completeHandshake(context)
    }
    let error = SSL_get_error(ssl, result)
    if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE {
      writeNetworkOutput(context, flush: true)
      return
    }
    let reason = OpenSSLErrors.drain()
    let verification = SSL_get_verify_result(ssl)
    let verificationText = verification == X509_V_OK ? nil : Self.explain(verification)
    writeNetworkOutput(context, flush: true)  // the alert that tells the peer why
    refuse(context, .handshakeFailed(reason: reason, verification: verificationText))
  }

  /// OpenSSL's words for a failed check, with what to do when the cause is a clock or a CRL's
  /// dates: "CRL is not yet valid" on a node whose clock is behind names neither the clock nor
  /// the fix.
  static func explain(_ verification: Int) -> String {
    let words = String(cString: X509_verify_cert_error_string(verification))
    let now = Date().iso8601
    switch Int32(verification) {
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return "\(words): the CRL was issued after this machine's time (\(now)); this node's clock is behind "
        + "or the CA's was ahead: check the clock (timedatectl, NTP)"
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return "\(words): its next update has passed at this machine's time (\(now)); install the CA's "
        + "fresh CRL ('liandong crl install'), or check this node's clock if it is ahead"
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "\(words): at this machine's time (\(now)) a certificate of the chain is not valid yet; "
        + "one of the two nodes' clocks is wrong, or the certificate starts later"
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "\(words) at this machine's time (\(now)); the CA must issue a new certificate, or this "
        + "node's clock is ahead"
    default:
      return words
    }
  }

  /// The chain has verified (OpenSSL did that against the CA and CRLs); now the identity: a node
  /// ID in the SAN, on the allow-list, and the one we meant to reach.
  /// An HTTPS server's client has no node identity to check: who it is, the request says.
  private func completeHandshake(_ context: ChannelHandlerContext) {
    var identity: PeerIdentity?
    if tls.role != .httpsServer {
      do { identity = try authenticatePeer() } catch let error as TLSError {
        return refuse(context, error)
      } catch {
        return refuse(context, .protocolError(reason: "\(error)"))
      }
    }
    handshakeTimer?.cancel()
    state = .active
    scheduleIdleCheck(context)
    if let identity {
      logger.debug(
        "TLS peer authenticated", metadata: ["peer": "\(identity.node)", "address": "\(peerAddress)"])
      settleHandshake(.success(identity))
    }
    let writes = pendingWrites
    pendingWrites = []
    for (buffer, promise) in writes { encrypt(context, buffer, promise: promise) }
    if flushPending || !writes.isEmpty { context.flush() }
    // Application data can arrive in the same read as the handshake's last message.
    readPlaintext(context)
  }

  private func authenticatePeer() throws -> PeerIdentity {
    guard SSL_get_verify_result(ssl) == X509_V_OK, let raw = SSL_get1_peer_certificate(ssl) else {
      throw TLSError.handshakeFailed(reason: "the peer presented no verified certificate", verification: nil)
    }
    let certificate = try Certificate(owning: raw)
    let named: String
    do { named = try certificate.nodeIdentity() } catch {
      throw TLSError.peerIdentity(error)
    }
    let node = try NodeID(named)
    if tls.role == .server, let allowed = tls.configuration.allowList, !allowed.contains(node) {
      throw TLSError.peerNotAllowed(node: named)
    }
    if let expectedPeer, expectedPeer != node {
      throw TLSError.unexpectedPeer(expected: expectedPeer.rawValue, actual: named)
    }
    return PeerIdentity(node: node, certificateFingerprint: certificate.fingerprint)
  }

  /// Decrypts everything buffered, passing it up in chunks of up to 64 KiB: one TLS record is at
  /// most 16 KiB, and firing each separately costs an allocation and an event apiece.
  private func readPlaintext(_ context: ChannelHandlerContext) {
    let chunk = 64 * 1024
    while state == .active || state == .closing {
      var buffer = context.channel.allocator.buffer(capacity: chunk)
      var outcome: Int32 = SSL_ERROR_NONE
      OpenSSLErrors.clear()
      while buffer.writableBytes > 0 {
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
          var count = 0
          result = SSL_read_ex(ssl, space.baseAddress, space.count, &count)
          return result == 1 ? count : 0
        }
        if result != 1 {
          outcome = SSL_get_error(ssl, result)
          break
        }
      }
      if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
      switch outcome {
      case SSL_ERROR_NONE:
        continue  // the buffer filled up: there may be more
      case SSL_ERROR_WANT_READ:
        writeNetworkOutput(context, flush: true)  // e.g. a KeyUpdate response
        return
      case SSL_ERROR_ZERO_RETURN:
        receivedCloseNotify = true
        writeNetworkOutput(context, flush: true)
        close(context: context, mode: .all, promise: nil)
        return
      default:
        let reason = TLSError.protocolError(reason: OpenSSLErrors.drain())
        log(refusal: reason)
        context.fireErrorCaught(reason)
        state = .closed
        context.close(promise: nil)
        return
      }
    }
  }

  // MARK: Outbound

  public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let buffer = unwrapOutboundIn(data)
    switch state {
    case .idle, .handshaking:
      pendingWrites.append((buffer, promise))
    case .active:
      lastActivity = .now()
      encrypt(context, buffer, promise: promise)
    case .closing, .closed:
      promise?.fail(ChannelError.ioOnClosedChannel)
    }
  }

  public func flush(context: ChannelHandlerContext) {
    if state == .active { context.flush() } else { flushPending = true }
  }

  private func encrypt(
    _ context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?
  ) {
    guard buffer.readableBytes > 0 else {
      promise?.succeed(())
      return
    }
    OpenSSLErrors.clear()
    let written = buffer.withUnsafeReadableBytes { bytes -> Bool in
      var count = 0
      return SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 && count == bytes.count
    }
    guard written else {
      let error = TLSError.protocolError(reason: OpenSSLErrors.drain())
      promise?.fail(error)
      context.fireErrorCaught(error)
      return
    }
    writeNetworkOutput(context, flush: false, promise: promise)
  }

  /// Moves everything OpenSSL has produced to the network.
  private func writeNetworkOutput(
    _ context: ChannelHandlerContext, flush: Bool, promise: EventLoopPromise<Void>? = nil
  ) {
    let pending = Int(BIO_ctrl_pending(networkOut))
    guard pending > 0 else {
      promise?.succeed(())
      return
    }
    var buffer = context.channel.allocator.buffer(capacity: pending)
    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { space in
      Int(max(0, BIO_read(networkOut, space.baseAddress, Int32(pending))))
    }
    if flush {
      context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    } else {
      context.write(wrapOutboundOut(buffer), promise: promise)
    }
  }

  public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
    switch state {
    case .active where mode != .input:
      state = .closing
      OpenSSLErrors.clear()
      _ = SSL_shutdown(ssl)  // queues close_notify; we do not wait for the peer's
      OpenSSLErrors.clear()
      writeNetworkOutput(context, flush: true)
      context.close(mode: mode == .output ? .output : .all, promise: promise)
    case .idle, .handshaking:
      state = .closed
      settleHandshake(
        .failure(
          TLSError.handshakeFailed(reason: "closed locally before the handshake completed", verification: nil)
        ))
      failPendingWrites(ChannelError.ioOnClosedChannel)
      context.close(mode: .all, promise: promise)
    default:
      context.close(mode: mode, promise: promise)
    }
  }

  // MARK: Refusals and timers

  private func refuse(_ context: ChannelHandlerContext, _ error: TLSError) {
    guard state != .closed else { return }
    state = .closed
    handshakeTimer?.cancel()
    idleTimer?.cancel()
    log(refusal: error)
    settleHandshake(.failure(error))
    failPendingWrites(error)
    context.fireErrorCaught(error)
    context.close(promise: nil)
  }

  private func log(refusal error: TLSError) {
    logger.warning(
      "TLS connection refused",
      metadata: [
        "address": "\(peerAddress)", "reason": "\(error)", "code": "\(error.code)", "role": "\(tls.role)",
      ])
  }

  private func failPendingWrites(_ error: Error) {
    let writes = pendingWrites
    pendingWrites = []
    for (_, promise) in writes { promise?.fail(error) }
  }

  private func scheduleIdleCheck(_ context: ChannelHandlerContext) {
    let idle = TimeAmount.milliseconds(Int64(tls.configuration.idleTimeout * 1000))
    let due = lastActivity + idle
    idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
      guard state == .active else { return }
      if NIODeadline.now() >= lastActivity + idle {
        let error = TLSError.idleTimeout(seconds: Int64(tls.configuration.idleTimeout))
        log(refusal: error)
        context.fireErrorCaught(error)
        close(context: context, mode: .all, promise: nil)
      } else {
        scheduleIdleCheck(context)
      }
    }
  }
}
