import Dispatch
import Foundation
import LiandongCore
import LiandongCrypto
import Synchronization

extension NodeStore {
  /// Below this many changes a batch is checked inside its transaction, one by one: spreading
  /// a handful of signatures over threads costs more than it saves.
  public static let parallelSignatureThreshold = 32
  /// How many changes a worker takes at a time: about a millisecond of verification.
  static let signatureCheckChunk = 16

  /// Checks the signatures of a received batch on every core, before its write transaction
  /// begins: signature verification is the one costly step of ingesting a change that needs
  /// nothing from the database but the signer's key, and SQLite's single writer would otherwise
  /// leave the second core idle. A change whose signer is not yet known (an origin's first change
  /// announces it) or whose signature fails is checked again inside the transaction, which
  /// refuses it with the precise reason.
  public func checkSignaturesAhead(_ changes: [SignedChange]) -> SignatureChecks {
    guard changes.count >= Self.parallelSignatureThreshold else { return SignatureChecks(verified: []) }
    let keys = signerKeys(for: changes)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, changes.count / 16))
    let verified = Mutex<[SignatureChecks.Signed]>([])
    // Workers take the next few changes as they go rather than a fixed share each: the receiver's
    // committer runs on one of the cores, and a worker that shares it must not hold the batch up.
    let next = Atomic(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      var mine: [SignatureChecks.Signed] = []
      var verifiers: [Data: SignatureVerifier] = [:]
      while true {
        let start = next.add(Self.signatureCheckChunk, ordering: .relaxed).oldValue
        guard start < changes.count else { break }
        for change in changes[start..<min(start + Self.signatureCheckChunk, changes.count)] {
          let fingerprint = change.header.signerSHA256
          guard let key = keys[fingerprint] else { continue }
          let verifier = verifiers[fingerprint] ?? SignatureVerifier(key)
          verifiers[fingerprint] = verifier
          if verifier.isValidSignature(change.signature, for: change.headerBytes) {
            mine.append(SignatureChecks.Signed(change))
          }
        }
      }
      verified.withLock { $0 += mine }
    }
    return SignatureChecks(verified: verified.withLock { Set($0) })
  }

  /// The public keys of the registered certificates the batch's headers name, by fingerprint.
  private func signerKeys(for changes: [SignedChange]) -> [Data: PublicKey] {
    var wanted: [NodeID: Set<Data>] = [:]
    for change in changes { wanted[change.header.origin, default: []].insert(change.header.signerSHA256) }
    var keys: [Data: PublicKey] = [:]
    for (origin, fingerprints) in wanted {
      for fingerprint in fingerprints {
        guard
          let known = try? read({ db in try signers(of: origin, including: fingerprint, db) }),
          let key = try? known[fingerprint]?.first?.publicKey()
        else { continue }
        keys[fingerprint] = key
      }
    }
    return keys
  }
}

/// Which changes' signatures `checkSignaturesAhead` verified: by change ID and signature bytes,
/// so a result can only vouch for exactly the signed header it checked, whatever it is passed
/// along with.
public struct SignatureChecks: Sendable {
  struct Signed: Hashable, Sendable {
    var id: ChangeID
    var signature: Data
    init(_ change: SignedChange) {
      id = change.id
      signature = change.signature
    }
    /// The ID alone tells changes apart; the signature is compared, not hashed.
    func hash(into hasher: inout Hasher) { hasher.combine(id) }
  }

  let verified: Set<Signed>

  init(verified: Set<Signed>) { self.verified = verified }

  /// What any of `checks` vouches for: batches committed in one transaction are checked apart.
  public init(merging checks: [SignatureChecks]) {
    verified = checks.reduce(into: Set()) { $0.formUnion($1.verified) }
  }

  func vouches(for change: SignedChange) -> Bool {
    !verified.isEmpty && verified.contains(Signed(change))
  }
}
