import Foundation
import LiandongCrypto
import LiandongErrors

/// Evidence files in an S3-compatible bucket, keyed `PREFIX/ab/abcdef...` by the federation's
/// hash as on the disk. The upload is signed with the file's SHA-256 and carries it as its
/// checksum, so the server itself refuses a body that changed on the way; in an `sm` federation
/// that SHA-256 is computed first, since the key is the SM3.
struct ObjectShelf: BlobShelf {
  let client: ObjectStoreClient
  let digest: DigestAlgorithm

  static func key(_ sha256: Data) -> String {
    let hex = sha256.hex
    return "\(hex.prefix(2))/\(hex)"
  }

  func shelve(_ file: URL, sha256: Data, size: UInt64) throws {
    let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw BlobError.io(path: file.path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    let payload = digest == .sha256 ? sha256.hex : try Self.sha256(of: descriptor, path: file.path).hex
    try client.put(key: Self.key(sha256), file: descriptor, size: size, payloadSHA256: payload)
    try? FileManager.default.removeItem(at: file)
  }

  private static func sha256(of descriptor: Int32, path: String) throws -> Data {
    let hasher = SHA256.Hasher()
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var offset: off_t = 0
    while true {
      let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
      guard got >= 0 else { throw BlobError.unreadable(path: path, reason: String(cString: strerror(errno))) }
      if got == 0 { return hasher.finalize() }
      buffer.withUnsafeBytes { hasher.update(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
      offset += off_t(got)
    }
  }

  func storedSize(of sha256: Data) throws -> UInt64? { try client.size(of: Self.key(sha256)) }

  func read(_ sha256: Data, offset: UInt64, maximumBytes: Int) throws -> Data {
    guard let data = try client.read(key: Self.key(sha256), offset: offset, count: maximumBytes) else {
      throw BlobError.unreadable(path: location(of: sha256), reason: "the object is missing from the bucket")
    }
    return data
  }

  /// Copied to `damaged/<hash>-<time>` in the bucket, then deleted from its key.
  func setAside(_ sha256: Data) throws {
    guard try storedSize(of: sha256) != nil else { return }
    try client.copy(from: Self.key(sha256), to: "damaged/\(sha256.hex)-\(Int(Date().timeIntervalSince1970))")
    try client.delete(key: Self.key(sha256))
  }

  func localFile(_ sha256: Data) -> URL? { nil }

  func location(of sha256: Data) -> String { client.endpoint + client.access.path(of: Self.key(sha256)) }
}
