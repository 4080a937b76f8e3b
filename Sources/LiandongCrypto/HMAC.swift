import COpenSSL
import Foundation

/// HMAC-SHA256 (RFC 2104) through the system OpenSSL: what an S3 request's SigV4 signature and
/// its signing key are made of.
public enum HMACSHA256 {
  public static func authenticate(_ message: some DataProtocol, key: some DataProtocol) -> Data {
    let key = Data(key)
    let message = Data(message)
    var out = Data(count: 32)
    var length = 0
    let made = out.withUnsafeMutableBytes { outBuffer in
      key.withUnsafeBytes { keyBuffer in
        message.withUnsafeBytes { messageBuffer in
          EVP_Q_mac(
            nil, "HMAC", nil, "SHA256", nil, keyBuffer.baseAddress, keyBuffer.count,
            messageBuffer.bindMemory(to: UInt8.self).baseAddress, messageBuffer.count,
            outBuffer.bindMemory(to: UInt8.self).baseAddress, 32, &length)
        }
      }
    }
    precondition(made != nil && length == 32, "HMAC-SHA256 failed in the system OpenSSL")
    return out
  }
}
