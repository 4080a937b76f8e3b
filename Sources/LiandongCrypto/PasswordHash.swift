import COpenSSL
import Foundation

/// Passwords kept as scrypt hashes (RFC 7914, through OpenSSL's `EVP_KDF`), so a copy of the
/// database costs an attacker 32 MiB and tens of milliseconds per guess. The stored text names its
/// parameters (`scrypt$N$r$p$salt$hash`), so they can be raised later without breaking old hashes.
public struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
  public let cost: UInt64
  public let blockSize: UInt32
  public let parallelism: UInt32
  public let salt: Data
  public let hash: Data

  /// N = 2^15, r = 8, p = 1: the parameters RFC 7914 and OWASP give for interactive logins.
  public static let standardCost: UInt64 = 1 << 15

  /// Hashes `password` with a fresh random salt.
  public static func make(_ password: String, cost: UInt64 = standardCost) throws -> PasswordHash {
    let salt = SecureRandom.bytes(16)
    return PasswordHash(
      cost: cost, blockSize: 8, parallelism: 1, salt: salt,
      hash: try derive(password, salt: salt, cost: cost, blockSize: 8, parallelism: 1))
  }

  /// Reads a stored hash; nil if the text is not one this type wrote.
  public init?(stored text: String) {
    let parts = text.split(separator: "$", omittingEmptySubsequences: false)
    guard parts.count == 6, parts[0] == "scrypt", let cost = UInt64(parts[1]), cost > 1,
      cost & (cost - 1) == 0,
      cost <= 1 << 20, let blockSize = UInt32(parts[2]), (1...32).contains(blockSize),
      let parallelism = UInt32(parts[3]), (1...16).contains(parallelism),
      let salt = Data(base64Encoded: String(parts[4])), let hash = Data(base64Encoded: String(parts[5])),
      hash.count == 32
    else { return nil }
    self.init(cost: cost, blockSize: blockSize, parallelism: parallelism, salt: salt, hash: hash)
  }

  init(cost: UInt64, blockSize: UInt32, parallelism: UInt32, salt: Data, hash: Data) {
    self.cost = cost
    self.blockSize = blockSize
    self.parallelism = parallelism
    self.salt = salt
    self.hash = hash
  }

  public var description: String {
    "scrypt$\(cost)$\(blockSize)$\(parallelism)$\(salt.base64EncodedString())$\(hash.base64EncodedString())"
  }

  /// Whether `password` is the one this hash was made from (compared in constant time).
  public func matches(_ password: String) throws -> Bool {
    let candidate = try Self.derive(
      password, salt: salt, cost: cost, blockSize: blockSize, parallelism: parallelism)
    return candidate.equalsInConstantTime(hash)
  }

  /// A parameter's name (OSSL_KDF_PARAM_* in core_names.h) as a pointer that outlives the call:
  /// OSSL_PARAM keeps it, and a Swift string passed as `const char *` is gone when the call returns.
  private static func name(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
  }

  /// What a login for an account without a password is checked against, so that it costs the
  /// same as a real check: no password derives an all-zero hash.
  public static let decoy = PasswordHash(
    cost: standardCost, blockSize: 8, parallelism: 1, salt: Data(count: 16), hash: Data(count: 32))

  // Fetched once: implicit look-ups contend on a lock in OpenSSL 3.0.
  nonisolated(unsafe) private static let kdf: OpaquePointer = {
    guard let kdf = EVP_KDF_fetch(nil, "SCRYPT", nil) else { fatalError("OpenSSL has no SCRYPT") }
    return kdf
  }()

  package static func derive(
    _ password: String, salt: Data, cost: UInt64, blockSize: UInt32, parallelism: UInt32
  ) throws -> Data {
    guard let context = EVP_KDF_CTX_new(kdf) else {
      throw CryptoError.openSSL(function: "EVP_KDF_CTX_new", detail: OpenSSLErrors.drain())
    }
    defer { EVP_KDF_CTX_free(context) }
    var password = Array(password.utf8)
    var salt = Array(salt)
    // OSSL_PARAM keeps pointers to its numbers, so they live in memory that outlasts the calls.
    let numbers = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
    let smallNumbers = UnsafeMutablePointer<UInt32>.allocate(capacity: 2)
    defer {
      numbers.deallocate()
      smallNumbers.deallocate()
    }
    // Memory: 128 * N * r * p bytes, plus room for OpenSSL's own bookkeeping.
    numbers[0] = cost
    numbers[1] = UInt64(128) * cost * UInt64(blockSize) * UInt64(parallelism) + (1 << 20)
    smallNumbers[0] = blockSize
    smallNumbers[1] = parallelism
    var out = Data(count: 32)
    ERR_clear_error()
    let ok = password.withUnsafeMutableBytes { passwordBytes in
      salt.withUnsafeMutableBytes { saltBytes in
        out.withUnsafeMutableBytes { outBytes in
          let parameters = [
            OSSL_PARAM_construct_octet_string(
              name("pass"), passwordBytes.baseAddress, passwordBytes.count),
            OSSL_PARAM_construct_octet_string(name("salt"), saltBytes.baseAddress, saltBytes.count),
            OSSL_PARAM_construct_uint64(name("n"), numbers),
            OSSL_PARAM_construct_uint32(name("r"), smallNumbers),
            OSSL_PARAM_construct_uint32(name("p"), smallNumbers + 1),
            OSSL_PARAM_construct_uint64(name("maxmem_bytes"), numbers + 1),
            OSSL_PARAM_construct_end(),
          ]
          return parameters.withUnsafeBufferPointer {
            EVP_KDF_derive(context, outBytes.bindMemory(to: UInt8.self).baseAddress, 32, $0.baseAddress)
          }
        }
      }
    }
    guard ok == 1 else {
      throw CryptoError.openSSL(function: "EVP_KDF_derive(SCRYPT)", detail: OpenSSLErrors.drain())
    }
    return out
  }
}
