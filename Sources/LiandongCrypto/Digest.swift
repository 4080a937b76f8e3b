import COpenSSL
import Foundation

/// SHA-256 through the system OpenSSL. The algorithm is fetched once: implicit look-ups contend
/// on a lock in OpenSSL 3.0.
public enum SHA256 {
  nonisolated(unsafe) static let algorithm: OpaquePointer = {
    guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("OpenSSL has no SHA256") }
    return md
  }()

  public static func hash(_ data: some DataProtocol) -> Data {
    var out = Data(count: 32)
    let bytes = Data(data)
    var length: UInt32 = 0
    let ok = out.withUnsafeMutableBytes { outBuf in
      bytes.withUnsafeBytes { inBuf in
        EVP_Digest(
          inBuf.baseAddress, inBuf.count, outBuf.bindMemory(to: UInt8.self).baseAddress, &length,
          algorithm, nil)
      }
    }
    precondition(ok == 1 && length == 32, "EVP_Digest(SHA256) failed")
    return out
  }

  /// A streaming hash, for files too large to hold in memory.
  public final class Hasher {
    private let context: OpaquePointer
    public init() {
      context = EVP_MD_CTX_new()
      EVP_DigestInit_ex(context, SHA256.algorithm, nil)
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
