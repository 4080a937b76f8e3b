import Foundation
import LiandongCrypto
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// Makes `act` at most once per caller and key, so a client that retries (after a timeout, a
  /// dropped connection, a database's failover) never acts twice: a repeat of the same request
  /// returns the first result; the same key with another request is refused. Acts with keys run
  /// one at a time in a process; the change that realises one marks its key in its own
  /// transaction, so that neither a lost answer nor another `serve` process of a hub makes a
  /// second (`IdempotentClaim`). Without a key, `act` simply runs.
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
    let stored = try accounts.idempotentRequest(account: caller.account, key: key)
    if let stored {
      guard stored.requestSHA256 == digest else {
        throw UsageError(
          code: "api.idempotency-key-reused",
          message: "Idempotency-Key \(key) was used for another request; choose a new key for a new act")
      }
      if let result = stored.result { return try JSONDecoder().decode(Result.self, from: result) }
      // An earlier attempt ended without its result: its act stands if a change realised it,
      // and the claim then hands that change to this attempt (`IdempotentClaim`).
    } else {
      try accounts.claimIdempotentKey(account: caller.account, key: key, requestSHA256: digest, at: now)
    }
    let claim = IdempotentClaim(account: caller.account, key: key, realisedBy: stored?.change)
    let result: Result
    do {
      result = try IdempotentClaim.$current.withValue(claim) { try act() }
    } catch {
      // Refused, or the store failed: the key is free again unless a change realised it (a
      // commit whose answer was lost), which a retry then returns.
      try? accounts.releaseIdempotentKey(account: caller.account, key: key)
      throw error
    }
    try accounts.finishIdempotentRequest(
      account: caller.account, key: key, result: try JSONEncoder().encode(result))
    return result
  }
}
