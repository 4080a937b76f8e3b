import COpenSSL
import Foundation

extension Data {
  /// Whether `self` and `other` hold the same bytes, compared in a time that does not depend on
  /// where they first differ (OpenSSL's `CRYPTO_memcmp`): for secrets a caller presents, such as
  /// a session's CSRF token, so that timing tells an attacker nothing of the right one. Only the
  /// lengths are compared first, and those are no secret.
  public func equalsInConstantTime(_ other: Data) -> Bool {
    guard count == other.count else { return false }
    guard !isEmpty else { return true }
    return withUnsafeBytes { a in
      other.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, count) == 0 }
    }
  }
}
