import Foundation
import LiandongCrypto
import LiandongErrors

extension NodeApp {
  /// Makes `act` at most once per caller and key, so a client that retries (after a timeout, a
  /// dropped connection) never acts twice: a repeat of the same request returns the first
  /// result; the same key with another request is refused. Acts with keys run one at a time.
  /// Without a key, `act` simply runs.
  public func once<Result: Codable>(
    by caller: Caller, key: String?, request: Data, now: Date = Date(), _ act: () throws -> Result
  ) throws -> Result {
    guard let key else { return try act() }
    guard (1...128).contains(key.utf8.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
      throw UsageError(
        code: "api.idempotency-key",
        message: "an Idempotency-Key is 1-128 visible ASCII characters, e.g. a UUID")
    }
    idempotency.lock()
    defer { idempotency.unlock() }
    let digest = SHA256.hash(request)
    if let stored = try accounts.idempotentResult(account: caller.account, key: key) {
      guard stored.requestSHA256 == digest else {
        throw UsageError(
          code: "api.idempotency-key-reused",
          message: "Idempotency-Key \(key) was used for another request; choose a new key for a new act")
      }
      return try JSONDecoder().decode(Result.self, from: stored.result)
    }
    let result = try act()
    try accounts.recordIdempotentResult(
      account: caller.account, key: key, requestSHA256: digest, result: try JSONEncoder().encode(result),
      at: now)
    return result
  }
}
