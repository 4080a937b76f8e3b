import COpenSSL
import Foundation

/// The hash functions a federation's suite may use: SHA-256, and SM3 (GB/T 32905) for a
/// federation on the national algorithms. Both give 32 bytes, so a change ID, a body hash or an
/// evidence file's hash has one shape whatever the suite.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
  case sha256 = "sha256"
  case sm3 = "sm3"

  /// OpenSSL's implementation, fetched once: implicit look-ups by name contend on a lock in
  /// OpenSSL 3.0.
  var implementation: OpaquePointer {
    switch self {
    case .sha256: Self.fetchedSHA256
    case .sm3: Self.fetchedSM3
    }
  }

  nonisolated(unsafe) private static let fetchedSHA256: OpaquePointer = fetch("SHA256")
  nonisolated(unsafe) private static let fetchedSM3: OpaquePointer = fetch("SM3")

  private static func fetch(_ name: String) -> OpaquePointer {
    guard let md = EVP_MD_fetch(nil, name, nil) else { fatalError("the system OpenSSL has no \(name)") }
    return md
  }

  /// The name `openssl dgst -NAME` and a bundle's `verify.sh` use.
  public var openSSLName: String { rawValue }
  /// The name a person reads: "SHA-256", "SM3".
  public var displayName: String { self == .sm3 ? "SM3" : "SHA-256" }

  public func hash(_ data: some DataProtocol) -> Data {
    var out = Data(count: 32)
    let bytes = Data(data)
    var length: UInt32 = 0
    let ok = out.withUnsafeMutableBytes { outBuf in
      bytes.withUnsafeBytes { inBuf in
        EVP_Digest(
          inBuf.baseAddress, inBuf.count, outBuf.bindMemory(to: UInt8.self).baseAddress, &length,
          implementation, nil)
      }
    }
    precondition(ok == 1 && length == 32, "EVP_Digest(\(rawValue)) failed")
    return out
  }

  /// A streaming hash, for files too large to hold in memory.
  public func hasher() -> StreamingHasher { StreamingHasher(self) }
}

/// A hash fed in pieces. Not for sharing between threads.
public final class StreamingHasher {
  private let context: OpaquePointer
  public let algorithm: DigestAlgorithm

  /// SHA-256 unless told: `SHA256.Hasher()` is this with no argument.
  public init(_ algorithm: DigestAlgorithm = .sha256) {
    self.algorithm = algorithm
    context = EVP_MD_CTX_new()
    EVP_DigestInit_ex(context, algorithm.implementation, nil)
  }
  deinit { EVP_MD_CTX_free(context) }

  public func update(_ data: some DataProtocol) {
    Data(data).withUnsafeBytes { update(bytes: $0) }
  }
  public func update(bytes: UnsafeRawBufferPointer) {
    _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
  }
  public func finalize() -> Data {
    var out = Data(count: 32)
    var length: UInt32 = 0
    out.withUnsafeMutableBytes {
      _ = EVP_DigestFinal_ex(context, $0.bindMemory(to: UInt8.self).baseAddress, &length)
    }
    return out
  }
}

/// SHA-256, where the hash is not the federation's to choose (local tokens, backups' own
/// checksums) or until a caller takes the suite's.
public enum SHA256 {
  static var algorithm: OpaquePointer { DigestAlgorithm.sha256.implementation }
  public static func hash(_ data: some DataProtocol) -> Data { DigestAlgorithm.sha256.hash(data) }
  public typealias Hasher = StreamingHasher
}

extension Data {
  /// Lower-case hexadecimal, the form used in logs, JSON and the command line.
  public var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(count * 2)
    for byte in self {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Parses lower- or upper-case hexadecimal (test vectors, the command line); nil if malformed.
  public init?(hex: String) {
    guard hex.utf8.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(hex.utf8.count / 2)
    var index = hex.startIndex
    while index < hex.endIndex {
      let next = hex.index(index, offsetBy: 2)
      guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
      bytes.append(byte)
      index = next
    }
    self.init(bytes)
  }
}
