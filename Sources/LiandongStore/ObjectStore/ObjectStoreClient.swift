import Foundation
import LiandongCrypto
import Synchronization

/// Everything a request to the object store needs: where, which bucket and prefix, and the key
/// to sign with.
struct ObjectStoreAccess: Sendable {
  var endpoint: ObjectStoreEndpoint
  var bucket: String
  var prefix: String
  var signer: SigV4
  /// Set for an https endpoint.
  var tls: ObjectStoreTLS?

  /// `/bucket/prefix/ab/abcdef...`: an object's path, named by its content.
  func path(of key: String) -> String {
    "/\(bucket)/" + (prefix.isEmpty ? key : "\(prefix)/\(key)")
  }
}

/// The S3 requests the blob store makes: put a file, read a range, its size, copy and delete,
/// signed with SigV4 (HMAC-SHA256 of the system OpenSSL). Connections are kept open between
/// requests, one request on each at a time.
final class ObjectStoreClient: Sendable {
  let access: ObjectStoreAccess
  private let idle = Mutex<[HTTPConnection]>([])
  /// How many idle connections are kept for the next requests.
  private static let keptConnections = 8

  init(_ access: ObjectStoreAccess) { self.access = access }

  var endpoint: String { access.endpoint.description }

  /// Stores `size` bytes of the open file at `key`; returns once the server has them. The
  /// payload's SHA-256 is signed and sent as the object's checksum (`x-amz-checksum-sha256`),
  /// which the server checks the body against (SeaweedFS and S3 answer `BadDigest`).
  func put(key: String, file descriptor: Int32, size: UInt64, payloadSHA256: String) throws {
    let (status, _, body) = try exchange(
      method: "PUT", path: access.path(of: key),
      headers: [
        "content-length": String(size),
        "x-amz-checksum-sha256": Data(hex: payloadSHA256)?.base64EncodedString() ?? "",
      ],
      payloadSHA256: payloadSHA256
    ) { connection in
      var buffer = [UInt8](repeating: 0, count: 1 << 20)
      var offset: UInt64 = 0
      while offset < size {
        let got = buffer.withUnsafeMutableBytes {
          pread(descriptor, $0.baseAddress, min($0.count, Int(size - offset)), off_t(offset))
        }
        guard got > 0 else {
          throw BlobError.unreadable(
            path: "the file of \(key)", reason: String(cString: strerror(errno)).lowercased())
        }
        try buffer.withUnsafeBytes { try connection.send(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
        offset += UInt64(got)
      }
    }
    guard (200..<300).contains(status) else {
      // Servers differ in how they refuse a write to a missing bucket (SeaweedFS: a 500).
      try checkBucket()
      throw refusal(status, body)
    }
  }

  /// The object's size, or nil when there is no such object.
  func size(of key: String) throws -> UInt64? {
    let (status, headers, body) = try exchange(method: "HEAD", path: access.path(of: key))
    if status == 404 {
      // A HEAD answer has no body to tell a missing object from a missing bucket: a bucket
      // removed or renamed must not read as every file lost.
      try checkBucket()
      return nil
    }
    guard status == 200, let length = headers["content-length"].flatMap({ UInt64($0) }) else {
      throw refusal(status, body)
    }
    return length
  }

  /// Up to `count` bytes from `offset`; empty at or past the end. Nil when there is no such object.
  func read(key: String, offset: UInt64, count: Int) throws -> Data? {
    guard count > 0 else { return Data() }
    var data = Data()
    let (status, _, body) = try exchange(
      method: "GET", path: access.path(of: key),
      headers: ["range": "bytes=\(offset)-\(offset + UInt64(count) - 1)"],
      take: { data.append(contentsOf: $0) })
    switch status {
    case 206: return data
    // A server that ignores ranges sends the whole object.
    case 200: return data.count > Int(offset) ? Data(data.dropFirst(Int(offset)).prefix(count)) : Data()
    case 416: return Data()
    case 404 where !body.contains("NoSuchBucket"): return nil
    default: throw refusal(status, body)
    }
  }

  func copy(from source: String, to destination: String) throws {
    var answer = Data()
    let (status, _, body) = try exchange(
      method: "PUT", path: access.path(of: destination),
      headers: ["x-amz-copy-source": SigV4.escaped(access.path(of: source), keepingSlash: true)],
      take: { if answer.count < 64 << 10 { answer.append(contentsOf: $0) } })
    // S3 may report a failed copy in the body of a 200.
    let copied = String(decoding: answer, as: UTF8.self)
    guard (200..<300).contains(status), !copied.contains("<Error>") else {
      throw refusal(status, body.isEmpty ? copied : body)
    }
  }

  func delete(key: String) throws {
    let (status, _, body) = try exchange(method: "DELETE", path: access.path(of: key))
    guard (200..<300).contains(status) || status == 404 else { throw refusal(status, body) }
  }

  /// Whether the bucket exists and these credentials may use it.
  func checkBucket() throws {
    let (status, _, body) = try exchange(method: "HEAD", path: "/\(access.bucket)")
    if status == 404 { throw ObjectStoreError.noBucket(endpoint: endpoint, bucket: access.bucket) }
    guard status == 200 else { throw refusal(status, body) }
  }

  private func refusal(_ status: Int, _ body: String) -> ObjectStoreError {
    func element(_ name: String) -> String {
      guard let start = body.range(of: "<\(name)>"),
        let end = body.range(of: "</\(name)>", range: start.upperBound..<body.endIndex)
      else { return "" }
      return String(body[start.upperBound..<end.lowerBound])
    }
    let code = element("Code")
    if code == "NoSuchBucket" { return .noBucket(endpoint: endpoint, bucket: access.bucket) }
    return .refused(
      endpoint: endpoint, status: status, s3Code: code.isEmpty ? "no S3 error code" : code,
      message: element("Message"))
  }

  /// One request and its answer. A successful answer's body goes to `take`; an error's (at most
  /// 64 KiB, S3's XML) is returned. A kept connection the server has closed meanwhile is
  /// replaced once.
  private func exchange(
    method: String, path: String, headers: [String: String] = [:], payloadSHA256: String = SigV4.emptyPayload,
    sendBody: ((HTTPConnection) throws -> Void)? = nil, take: (ArraySlice<UInt8>) throws -> Void = { _ in }
  ) throws -> (status: Int, headers: [String: String], errorBody: String) {
    var headers = headers
    headers["host"] = access.endpoint.hostHeader
    if sendBody == nil, method == "PUT" { headers["content-length"] = "0" }
    let signed = access.signer.sign(
      method: method, path: path, headers: headers, payloadSHA256: payloadSHA256, at: Date())
    headers.merge(signed) { $1 }
    let head =
      "\(method) \(SigV4.encodedPath(path)) HTTP/1.1\r\n"
      + headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
    var attempt = 0
    while true {
      // The second attempt takes a new connection: every kept one may be as stale as the first.
      let (connection, reused) =
        attempt == 0 ? try connection() : (try HTTPConnection(access.endpoint, tls: access.tls), false)
      do {
        // A server may answer and close before it has taken the whole request (an early
        // refusal of a large upload): its answer says more than the broken pipe.
        var sendFailure: ObjectStoreError? = nil
        do {
          try connection.send(head)
          try sendBody?(connection)
        } catch let failure as ObjectStoreError {
          sendFailure = failure
        }
        let answer = try Self.answerHead(connection, sendFailure: sendFailure)
        var errorBody = [UInt8]()
        let success = (200..<300).contains(answer.status)
        let complete = try connection.readBody(headers: answer.headers, method: method, status: answer.status)
        {
          piece in
          if success {
            try take(piece)
          } else if errorBody.count < 64 << 10 {
            errorBody += piece
          }
        }
        if complete, sendFailure == nil, answer.headers["connection"]?.lowercased() != "close" {
          keep(connection)
        }
        return (answer.status, answer.headers, String(decoding: errorBody, as: UTF8.self))
      } catch let error as ObjectStoreError {
        // A connection kept from an earlier request may have been closed by the server's idle
        // timeout: the request is sent again once, on a new connection.
        guard reused, attempt == 0, case .unreachable = error else { throw error }
        attempt += 1
      }
    }
  }

  /// The answer's status and headers; when the request could not be sent whole and no answer
  /// came either, the failure to send.
  private static func answerHead(_ connection: HTTPConnection, sendFailure: ObjectStoreError?) throws -> (
    status: Int, headers: [String: String]
  ) {
    do { return try connection.readHead() } catch let failure as ObjectStoreError {
      guard let sendFailure, case .unreachable = failure else { throw failure }
      throw sendFailure
    }
  }

  private func connection() throws -> (HTTPConnection, reused: Bool) {
    if let kept = idle.withLock({ $0.popLast() }) { return (kept, true) }
    return (try HTTPConnection(access.endpoint, tls: access.tls), false)
  }

  private func keep(_ connection: HTTPConnection) {
    idle.withLock { if $0.count < Self.keptConnections { $0.append(connection) } }
  }
}
