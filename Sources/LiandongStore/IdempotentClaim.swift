import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import Synchronization

/// An act made under an `Idempotency-Key`, while it runs (`NodeApp.once`). A retry must never act
/// twice, even when the first attempt's commit reached the database but its answer did not (the
/// primary killed at that moment): so the change that realises the act marks the key in its own
/// transaction (`link`), and a retry that finds the key marked returns that change instead of
/// signing another. The act's new objects take IDs derived from the account and the key
/// (`nextObjectID`), so the retry reads back the very objects the first attempt made.
///
/// It travels as a task-local value from `once` to the append, through acts that need not know
/// of it.
public final class IdempotentClaim: Sendable {
  @TaskLocal public static var current: IdempotentClaim?

  public let account: String
  public let key: String
  /// The change an earlier attempt committed, if any; taken once by `takeRealisedChange`.
  private let realised: Mutex<ChangeID?>
  private let objectsMade = Mutex(0)

  public init(account: String, key: String, realisedBy change: ChangeID?) {
    self.account = account
    self.key = key
    realised = Mutex(change)
  }

  /// The change an earlier attempt committed, handed out once: the act returns it instead of
  /// signing its own.
  public func takeRealisedChange() -> ChangeID? { realised.withLock { $0.take() } }

  /// The next object the act makes: the same IDs, in the same order, on every attempt.
  public func nextObjectID() -> ObjectID {
    let index = objectsMade.withLock {
      $0 += 1
      return $0
    }
    var digest = SHA256.hash(Data("idempotent\0\(account)\0\(key)\0\(index)".utf8)).prefix(16)
    // A version 4 UUID's version and variant bits, as `ObjectID()` makes.
    digest[digest.startIndex + 6] = (digest[digest.startIndex + 6] & 0x0F) | 0x40
    digest[digest.startIndex + 8] = (digest[digest.startIndex + 8] & 0x3F) | 0x80
    return ObjectID(bytes: Data(digest))!
  }

  /// Marks the key realised by `change`, in the transaction that stores it. Another attempt
  /// that marked it first (a retry that reached another `serve` process of the same hub while
  /// this one ran) wins: this transaction is rolled back.
  func link(_ change: ChangeID, _ db: StoreConnection) throws {
    let marked = try db.rows(
      """
      UPDATE idempotent_results SET change_id = ? WHERE account = ? AND key = ? AND change_id IS NULL
      RETURNING account
      """, change.bytes, account, key)
    guard marked.count == 1 else {
      throw UsageError(
        code: "api.idempotency-in-flight",
        message:
          "a request with Idempotency-Key \(key) is being acted on already; send it again shortly for its result"
      )
    }
  }
}
