import COpenSSL
import Foundation

/// Random bytes from OpenSSL's CSPRNG, for secrets such as API tokens.
public enum SecureRandom {
  public static func bytes(_ count: Int) -> Data {
    var out = Data(count: count)
    let ok = out.withUnsafeMutableBytes {
      RAND_bytes($0.bindMemory(to: UInt8.self).baseAddress, Int32(count))
    }
    precondition(ok == 1, "RAND_bytes failed: the system's random source is unavailable")
    return out
  }
}
