import COpenSSL
import Foundation

/// Memory BIOs: the only way bytes go in and out of OpenSSL's PEM and DER readers here.
enum MemoryBIO {
  /// Runs `body` with a read-only BIO over `data`.
  static func reading<T>(_ data: Data, _ body: (OpaquePointer) throws -> T) throws -> T {
    try data.withUnsafeBytes { buffer in
      guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
        throw CryptoError.openSSL(function: "BIO_new_mem_buf", detail: OpenSSLErrors.drain())
      }
      defer { BIO_free(bio) }
      return try body(bio)
    }
  }

  /// Runs `body` with an empty writable BIO and returns what it wrote.
  static func writing(_ body: (OpaquePointer) throws -> Void) throws -> Data {
    guard let bio = BIO_new(BIO_s_mem()) else {
      throw CryptoError.openSSL(function: "BIO_new", detail: OpenSSLErrors.drain())
    }
    defer { BIO_free(bio) }
    try body(bio)
    var pointer: UnsafeMutablePointer<CChar>? = nil
    let length = liandong_BIO_get_mem_data(bio, &pointer)
    guard let pointer, length > 0 else { return Data() }
    return Data(bytes: pointer, count: length)
  }
}
