import Foundation
import LiandongErrors

/// `evidenceStore` in `node.json`: evidence files kept in an S3-compatible object store (a hub's
/// SeaweedFS or MinIO, a cloud's S3) instead of under the data folder's `blobs/`. Transfers
/// under way and uploads still stage in `blobs/partial` and `blobs/uploads`.
public struct ObjectStoreSettings: Codable, Sendable, Equatable {
  /// `https://HOST:PORT` (or `http://` on the hub's own host or a private segment) of the S3
  /// API (path-style requests).
  public var endpoint: String
  public var bucket: String
  /// The signing region. Default `us-east-1`, which SeaweedFS and MinIO accept.
  public var region: String?
  /// Keys are `PREFIX/ab/abcdef...`; several nodes may share a bucket, each under its own prefix,
  /// or share one prefix, since a key is the file's hash. Default: none.
  public var prefix: String?
  /// A JSON file `{"accessKey": "...", "secretKey": "..."}`, readable by the node's user only;
  /// a relative path is taken from the data folder.
  public var credentials: String
  /// With https: the PEM file of the CA certificates the object store's certificate is checked
  /// against; a relative path is taken from the data folder. Default: the system's trust store.
  public var caFile: String?

  public static let knownKeys: Set<String> = [
    "endpoint", "bucket", "region", "prefix", "credentials", "caFile",
  ]

  public init(
    endpoint: String, bucket: String, region: String? = nil, prefix: String? = nil, credentials: String,
    caFile: String? = nil
  ) {
    self.endpoint = endpoint
    self.bucket = bucket
    self.region = region
    self.prefix = prefix
    self.credentials = credentials
    self.caFile = caFile
  }

  /// What the settings mean, with the credentials read: everything a request needs.
  func resolved(in directory: URL) throws(ObjectStoreError) -> ObjectStoreAccess {
    let endpoint = try ObjectStoreEndpoint(endpoint)
    guard Self.isBucketName(bucket) else {
      throw .settings(
        reason:
          "'bucket' is '\(bucket)'; a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens")
    }
    let prefix = (prefix ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    func inFolder(_ path: String) -> URL {
      path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
    }
    let file = inFolder(credentials)
    struct Credentials: Decodable { var accessKey: String, secretKey: String }
    let read: Credentials
    do { read = try JSONDecoder().decode(Credentials.self, from: Data(contentsOf: file)) } catch {
      throw .settings(
        reason:
          "the credentials file \(file.path) cannot be read as {\"accessKey\": ..., \"secretKey\": ...}: "
          + SystemError.reason(error))
    }
    guard !read.accessKey.isEmpty, !read.secretKey.isEmpty else {
      throw .settings(reason: "the credentials file \(file.path) has an empty accessKey or secretKey")
    }
    if caFile != nil, !endpoint.isTLS {
      throw .settings(reason: "'caFile' is set but the endpoint is plain http; give an https:// endpoint")
    }
    return ObjectStoreAccess(
      endpoint: endpoint, bucket: bucket, prefix: prefix,
      signer: SigV4(accessKey: read.accessKey, secretKey: read.secretKey, region: region ?? "us-east-1"),
      tls: endpoint.isTLS ? try ObjectStoreTLS(caFile: caFile.map { inFolder($0).path }) : nil)
  }

  static func isBucketName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    func isAlphanumeric(_ byte: UInt8) -> Bool {
      (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
    }
    guard (3...63).contains(bytes.count), isAlphanumeric(bytes.first!), isAlphanumeric(bytes.last!) else {
      return false
    }
    return bytes.allSatisfy { isAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D }
  }
}

/// An object store's address: `https://HOST[:PORT]` or `http://HOST[:PORT]`.
struct ObjectStoreEndpoint: Sendable, Equatable, CustomStringConvertible {
  var host: String
  var port: Int
  var isTLS: Bool

  init(_ text: String) throws(ObjectStoreError) {
    guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
      !host.isEmpty
    else {
      throw .settings(reason: "'endpoint' is '\(text)'; give the S3 API's address as https://HOST:PORT")
    }
    guard scheme == "http" || scheme == "https" else {
      throw .settings(reason: "'endpoint' is '\(text)'; an object store is reached by https:// (or http://)")
    }
    guard url.path.isEmpty || url.path == "/" else {
      throw .settings(reason: "'endpoint' is '\(text)'; give the server alone and the bucket as 'bucket'")
    }
    self.host = host
    isTLS = scheme == "https"
    port = url.port ?? (isTLS ? 443 : 80)
  }

  /// The `Host` header's value.
  var hostHeader: String {
    let name = host.contains(":") ? "[\(host)]" : host
    return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
  }

  var description: String { "\(isTLS ? "https" : "http")://\(hostHeader)" }
}
