import COpenSSL
import Foundation
import LiandongCrypto

/// One HTTP/1.1 connection to an object store, blocking, used by one request at a time: the
/// blob store's callers are synchronous and already run off the event loops. Over TLS (the
/// system OpenSSL) for an https endpoint.
/// Unchecked Sendable: it moves between threads only through the client's pool of idle
/// connections, under its lock.
final class HTTPConnection: @unchecked Sendable {
  private let descriptor: Int32
  /// The TLS session, for an https endpoint.
  private var session: OpaquePointer?
  /// Bytes received beyond what has been consumed.
  private var pending: [UInt8] = []
  private var pendingStart = 0
  /// Whether anything of the current answer has arrived.
  private var receivedAny = false
  let endpoint: ObjectStoreEndpoint

  init(_ endpoint: ObjectStoreEndpoint, tls: ObjectStoreTLS? = nil, timeoutSeconds: Int = 30)
    throws(ObjectStoreError)
  {
    self.endpoint = endpoint
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var found: UnsafeMutablePointer<addrinfo>?
    let looked = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &found)
    guard looked == 0, let first = found else {
      throw .unreachable(endpoint: endpoint.description, reason: String(cString: gai_strerror(looked)))
    }
    defer { freeaddrinfo(found) }
    var reason = "no address"
    var candidate: UnsafeMutablePointer<addrinfo>? = first
    while let address = candidate {
      candidate = address.pointee.ai_next
      let socket = Glibc.socket(
        address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard socket >= 0 else { continue }
      var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
      setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
      setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
      var on: Int32 = 1
      setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
      if connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
        // The handshake comes before `descriptor` is set: an init that throws with every
        // property set would run deinit, closing the socket a second time.
        let session: OpaquePointer?
        do { session = try tls?.connect(socket, endpoint: endpoint) } catch {
          close(socket)
          throw error
        }
        descriptor = socket
        self.session = session
        return
      }
      reason = String(cString: strerror(errno)).lowercased()
      close(socket)
    }
    throw .unreachable(endpoint: endpoint.description, reason: reason)
  }

  deinit {
    if let session { SSL_free(session) }
    close(descriptor)
  }

  func send(_ bytes: UnsafeRawBufferPointer) throws {
    var sent = 0
    while sent < bytes.count {
      let wrote =
        if let session {
          Int(SSL_write(session, bytes.baseAddress! + sent, Int32(min(bytes.count - sent, 1 << 30))))
        } else {
          Glibc.send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
        }
      if wrote <= 0, let session {
        throw ObjectStoreError.unreachable(
          endpoint: endpoint.description, reason: Self.tlsFailure(session, wrote))
      }
      if wrote < 0 {
        if errno == EINTR { continue }
        throw ObjectStoreError.unreachable(
          endpoint: endpoint.description, reason: String(cString: strerror(errno)).lowercased())
      }
      sent += wrote
    }
  }

  func send(_ text: String) throws {
    try Array(text.utf8).withUnsafeBytes { try send($0) }
  }

  /// Reads more from the socket into `pending`; false at the end of the stream.
  private func fill() throws -> Bool {
    if pendingStart > 0 {
      pending.removeFirst(pendingStart)
      pendingStart = 0
    }
    var piece = [UInt8](repeating: 0, count: 256 << 10)
    while true {
      let got = piece.withUnsafeMutableBytes { buffer in
        if let session { return Int(SSL_read(session, buffer.baseAddress, Int32(buffer.count))) }
        return recv(descriptor, buffer.baseAddress, buffer.count, 0)
      }
      if got <= 0, let session {
        if SSL_get_error(session, Int32(got)) == SSL_ERROR_ZERO_RETURN { return false }
        throw ObjectStoreError.unreachable(
          endpoint: endpoint.description, reason: Self.tlsFailure(session, got))
      }
      if got < 0 {
        if errno == EINTR { continue }
        let reason = errno == EAGAIN ? "no answer within the time allowed" : String(cString: strerror(errno))
        throw ObjectStoreError.unreachable(endpoint: endpoint.description, reason: reason.lowercased())
      }
      if got == 0 { return false }
      receivedAny = true
      pending.append(contentsOf: piece[0..<got])
      return true
    }
  }

  private var available: Int { pending.count - pendingStart }

  /// Why a TLS read or write returned `result`: the connection closed, timed out or failed.
  private static func tlsFailure(_ session: OpaquePointer, _ result: Int) -> String {
    let code = SSL_get_error(session, Int32(result))
    if code == SSL_ERROR_SYSCALL {
      if errno == EAGAIN { return "no answer within the time allowed" }
      return errno == 0 ? "the connection was closed" : String(cString: strerror(errno)).lowercased()
    }
    return "TLS: \(OpenSSLErrors.drain())"
  }

  /// One line ending in CRLF, without it.
  private func line() throws -> String {
    while true {
      if let end = pending[pendingStart...].firstIndex(of: UInt8(ascii: "\n")) {
        var bytes = pending[pendingStart..<end]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        pendingStart = end + 1
        return String(decoding: bytes, as: UTF8.self)
      }
      guard available < 64 << 10 else {
        throw ObjectStoreError.badAnswer(endpoint: endpoint.description, reason: "a header line is too long")
      }
      let answered = receivedAny
      guard try fill() else {
        // Closed before a byte of the answer: a kept connection the server has since dropped, or
        // a server gone; a request sent again on a new connection may well succeed.
        if !answered {
          throw ObjectStoreError.unreachable(
            endpoint: endpoint.description, reason: "the connection was closed without an answer")
        }
        throw ObjectStoreError.badAnswer(
          endpoint: endpoint.description, reason: "the connection closed mid-answer")
      }
    }
  }

  /// The status line and headers of the answer (names lower-cased).
  func readHead() throws -> (status: Int, headers: [String: String]) {
    receivedAny = available > 0
    let statusLine = try line()
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
      throw ObjectStoreError.badAnswer(
        endpoint: endpoint.description, reason: "not an HTTP answer: \(statusLine.prefix(60))")
    }
    var headers: [String: String] = [:]
    while case let header = try line(), !header.isEmpty {
      guard let colon = header.firstIndex(of: ":") else { continue }
      headers[header[..<colon].lowercased()] = header[header.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    return (status, headers)
  }

  /// The answer's body, handed over in pieces as they arrive. A body of unknown length (neither
  /// `Content-Length` nor chunked) runs to the end of the connection, which is then not reused.
  func readBody(
    headers: [String: String], method: String, status: Int, into take: (ArraySlice<UInt8>) throws -> Void
  ) throws -> Bool {
    if method == "HEAD" || status == 204 || status == 304 { return true }
    if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
      while true {
        let sizeLine = try line()
        guard
          let size = Int(
            (sizeLine.split(separator: ";", omittingEmptySubsequences: false).first ?? "")
              .trimmingCharacters(in: .whitespaces), radix: 16)
        else {
          throw ObjectStoreError.badAnswer(endpoint: endpoint.description, reason: "a bad chunk size")
        }
        if size == 0 {
          while try !line().isEmpty {}
          return true
        }
        try readExactly(size, into: take)
        _ = try line()
      }
    }
    if let length = headers["content-length"].flatMap({ Int($0) }) {
      try readExactly(length, into: take)
      return true
    }
    while true {
      if available > 0 {
        try take(pending[pendingStart...])
        pendingStart = pending.count
      }
      guard try fill() else { return false }
    }
  }

  private func readExactly(_ count: Int, into take: (ArraySlice<UInt8>) throws -> Void) throws {
    var left = count
    while left > 0 {
      if available == 0, try !fill() {
        throw ObjectStoreError.badAnswer(
          endpoint: endpoint.description, reason: "the connection closed mid-answer")
      }
      let piece = min(left, available)
      try take(pending[pendingStart..<(pendingStart + piece)])
      pendingStart += piece
      left -= piece
    }
  }
}
