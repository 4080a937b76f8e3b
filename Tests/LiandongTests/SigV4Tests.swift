import Foundation
import LiandongCrypto
import Testing

@testable import LiandongStore

/// An S3 server accepts a request only if its SigV4 signature is exactly the one it computes:
/// the signer gives AWS's own published examples, byte for byte.
@Suite("SigV4 signatures")
struct SigV4Tests {
  static let example = SigV4(
    accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    region: "us-east-1")
  static let time = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

  /// RFC 4231's test case 2: HMAC-SHA256 with the key "Jefe".
  @Test func hmac() {
    #expect(
      HMACSHA256.authenticate(Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8)).hex
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  }

  /// "Example: GET Object" of the S3 SigV4 documentation: the first ten bytes of test.txt.
  @Test func getObjectExample() {
    let signed = Self.example.sign(
      method: "GET", path: "/test.txt",
      headers: ["Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"],
      payloadSHA256: SigV4.emptyPayload, at: Self.time)
    #expect(signed["x-amz-date"] == "20130524T000000Z")
    #expect(
      signed["Authorization"]
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
  }

  /// "Example: GET Bucket Lifecycle" and "GET Bucket (List Objects)": a query string is signed
  /// in sorted, escaped form.
  @Test func listObjectsExample() {
    let signed = Self.example.sign(
      method: "GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")],
      headers: ["Host": "examplebucket.s3.amazonaws.com"], payloadSHA256: SigV4.emptyPayload, at: Self.time)
    #expect(
      signed["Authorization"]?.hasSuffix(
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
  }

  @Test func escaping() {
    #expect(SigV4.escaped("a b/c~d*é", keepingSlash: true) == "a%20b/c~d%2A%C3%A9")
    #expect(SigV4.escaped("a/b", keepingSlash: false) == "a%2Fb")
  }
}
