import Foundation
import LiandongCrypto

/// AWS Signature Version 4 for S3 requests (path-style, signed in the `Authorization` header):
/// a pure function of the request, the credentials and the time, so that it is tested against
/// AWS's published examples and the real server alike.
struct SigV4 {
  var accessKey: String
  var secretKey: String
  var region: String
  var service = "s3"

  /// What a request says of its body: the hex SHA-256 of its bytes. An evidence file's address
  /// is that hash already, so an upload is signed without reading the file again.
  static let emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256` and `Authorization`.
  /// `headers` are the others it carries and signs (Host among them), by lower-case name.
  func sign(
    method: String, path: String, query: [(String, String)] = [], headers: [String: String],
    payloadSHA256: String, at time: Date
  ) -> [String: String] {
    let stamp = Self.stamp(time)
    let day = String(stamp.prefix(8))
    var signed = headers.reduce(into: [String: String]()) { $0[$1.key.lowercased()] = Self.trimmed($1.value) }
    signed["x-amz-date"] = stamp
    signed["x-amz-content-sha256"] = payloadSHA256
    let names = signed.keys.sorted()
    let canonical = [
      method, Self.encodedPath(path), Self.canonicalQuery(query),
      names.map { "\($0):\(signed[$0]!)\n" }.joined(), names.joined(separator: ";"), payloadSHA256,
    ].joined(separator: "\n")
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let toSign = ["AWS4-HMAC-SHA256", stamp, scope, SHA256.hash(Data(canonical.utf8)).hex].joined(
      separator: "\n")
    let signature = HMACSHA256.authenticate(Data(toSign.utf8), key: signingKey(day: day)).hex
    return [
      "x-amz-date": stamp, "x-amz-content-sha256": payloadSHA256,
      "Authorization":
        "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(names.joined(separator: ";")), "
        + "Signature=\(signature)",
    ]
  }

  func signingKey(day: String) -> Data {
    var key = Data("AWS4\(secretKey)".utf8)
    for part in [day, region, service, "aws4_request"] {
      key = HMACSHA256.authenticate(Data(part.utf8), key: key)
    }
    return key
  }

  /// `20130524T000000Z`, in UTC.
  static func stamp(_ time: Date) -> String {
    var seconds = time_t(time.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return String(
      format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
      Int(parts.tm_mday),
      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
  }

  /// RFC 3986 escaping of everything but the unreserved characters (and `/` in a path), as
  /// SigV4 requires; S3 paths are escaped once.
  static func escaped(_ text: String, keepingSlash: Bool) -> String {
    var out = ""
    for byte in text.utf8 {
      if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
        out.append(Character(UnicodeScalar(byte)))
      } else {
        out += String(format: "%%%02X", byte)
      }
    }
    return out
  }

  private static func isUnreserved(_ byte: UInt8) -> Bool {
    let letter = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    return letter || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x2E || byte == 0x5F
      || byte == 0x7E
  }

  static func encodedPath(_ path: String) -> String { escaped(path.isEmpty ? "/" : path, keepingSlash: true) }

  static func canonicalQuery(_ query: [(String, String)]) -> String {
    let pairs: [(name: String, value: String)] = query.map {
      (escaped($0.0, keepingSlash: false), escaped($0.1, keepingSlash: false))
    }
    let sorted = pairs.sorted { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
    return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
  }

  private static func trimmed(_ value: String) -> String {
    value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
  }
}
