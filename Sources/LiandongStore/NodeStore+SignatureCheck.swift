import Dispatch
import Foundation
import LiandongCore
import LiandongCrypto
import Synchronization

extension NodeStore {
  /// Below this many changes a batch is checked inside its transaction, one by one: spreading
  /// a handful of signatures over threads costs more than it saves.
  public static let parallelSignatureThreshold = 32

}

extension ChangeLog where Self: LogBackedStore {
  /// Checks a received batch's signatures on every core, before its transaction
  /// (`checkingSignaturesAhead`).
  public func checkSignaturesAhead(_ changes: [SignedChange]) -> SignatureChecks {
    var announced = AnnouncedSigners()
    return logWriter.store.checkingSignaturesAhead(changes, announced: &announced)
  }

  /// The same, for one of a session's batches: `announced` carries the keys that earlier
  /// batches announced, which their commits may not have registered yet.
  public func checkSignaturesAhead(_ changes: [SignedChange], announced: inout AnnouncedSigners)
    -> SignatureChecks
  {
    logWriter.store.checkingSignaturesAhead(changes, announced: &announced)
  }
}

extension LogWritingStore {
  /// How many changes a worker takes at a time: about a millisecond of verification.
  private var signatureCheckChunk: Int { 16 }

  /// Checks the signatures of a received batch on every core, before its write transaction
  /// begins: signature verification is the one costly step of ingesting a change that needs
  /// nothing from the database but the signer's key, and one writer would otherwise leave the
  /// other cores idle. A change whose signer is not yet known (an origin's first change
  /// announces it) or whose signature fails is checked again inside the transaction, which
  /// refuses it with the precise reason. `announced` carries the keys that a session's earlier
  /// batches announced, which their commits may not have registered yet.
  func checkingSignaturesAhead(_ changes: [SignedChange], announced: inout AnnouncedSigners)
    -> SignatureChecks
  {
    guard changes.count >= NodeStore.parallelSignatureThreshold else { return SignatureChecks(verified: []) }
    let keys = signerKeys(for: changes, announced: &announced)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, changes.count / 16))
    // Workers take the next few changes as they go rather than a fixed share each: the receiver's
    // committer runs on one of the cores, and a worker that shares it must not hold the batch up.
    // They are patient (`PatientWorkers`): a person's request answered meanwhile goes first.
    let shared = SharedChecks()
    PatientWorkers.shared.perform(iterations: workers) { _ in
      var mine: [SignatureChecks.Signed] = []
      var verifiers: [Data: SignatureVerifier] = [:]
      while true {
        let start = shared.next.add(signatureCheckChunk, ordering: .relaxed).oldValue
        guard start < changes.count else { break }
        for change in changes[start..<min(start + signatureCheckChunk, changes.count)] {
          let fingerprint = change.header.signerSHA256
          guard let key = keys[fingerprint] else { continue }
          let verifier = verifiers[fingerprint] ?? SignatureVerifier(key)
          verifiers[fingerprint] = verifier
          if verifier.isValidSignature(change.signature, for: change.headerBytes) {
            mine.append(SignatureChecks.Signed(change))
          }
        }
      }
      shared.verified.withLock { $0 += mine }
    }
    return SignatureChecks(verified: shared.verified.withLock { Set($0) })
  }

  /// The public keys of the certificates the batch's headers name, by fingerprint: registered,
  /// or announced earlier in the session or in this batch.
  private func signerKeys(for changes: [SignedChange], announced: inout AnnouncedSigners) -> [Data: PublicKey]
  {
    var wanted: [NodeID: Set<Data>] = [:]
    for change in changes { wanted[change.header.origin, default: []].insert(change.header.signerSHA256) }
    var keys: [Data: PublicKey] = [:]
    var unknown: [NodeID: Set<Data>] = [:]
    for (origin, fingerprints) in wanted {
      for fingerprint in fingerprints {
        if let key = announced.keys[fingerprint] {
          keys[fingerprint] = key
        } else if let known = try? readingLog({ try signers(of: origin, including: fingerprint, $0) }),
          let key = try? known[fingerprint]?.first?.publicKey()
        {
          keys[fingerprint] = key
        } else {
          unknown[origin, default: []].insert(fingerprint)
        }
      }
    }
    if !unknown.isEmpty {
      announced.learn(from: changes, unknown: unknown)
      for fingerprint in unknown.values.joined() { keys[fingerprint] = announced.keys[fingerprint] }
    }
    return keys
  }
}

/// Signers' keys that a session's batches announce, kept until their commits register them. An
/// origin's first change announces the key that signs it and all that follow; without these,
/// the first batch from a new origin, and the three after it that are checked while it waits to
/// commit, had nothing to check with and were verified one change at a time inside their
/// transactions, on one core (most of B1's first second). A key is used only for changes whose
/// header names its certificate's fingerprint, the fingerprint under which the transaction finds
/// that same certificate registered or refuses the change as unknown: a check can vouch only for
/// a signature by the key the transaction would have checked it with.
///
/// Keys are learned from any certificate that parses, before the transaction decides whether the
/// CA issued it, so a hostile peer could announce a new one in every change: at most
/// `maximumKeys` are kept per session (a federation has dozens of nodes), and past that a batch
/// is checked inside its transaction as before, slower but just as right.
public struct AnnouncedSigners: Sendable {
  var keys: [Data: PublicKey] = [:]
  let maximumKeys: Int

  public init(maximumKeys: Int = 256) { self.maximumKeys = maximumKeys }

  /// Looks for the unknown signers' announcements, in order, among changes of their origins:
  /// an origin's first change announces its own signer, and a rotation is announced by a change
  /// signed with the old key, before any change that the new one signs. So a fingerprint is
  /// looked for only up to the first change it signs, and bodies are decoded only that far.
  mutating func learn(from changes: [SignedChange], unknown: [NodeID: Set<Data>]) {
    var searching = unknown
    for change in changes {
      guard keys.count < maximumKeys else { return }
      let origin = change.header.origin
      guard var fingerprints = searching[origin] else { continue }
      if let body = change.decodedBody() {
        for operation in body.operations {
          guard case .announceNode(let chain) = operation.action, let der = chain.first,
            keys.count < maximumKeys, let leaf = try? Certificate(der: der),
            fingerprints.contains(leaf.fingerprint), let key = try? leaf.publicKey()
          else { continue }
          keys[leaf.fingerprint] = key
          fingerprints.remove(leaf.fingerprint)
        }
      }
      // Not announced by the first change it signs, nor before: not in this batch.
      fingerprints.remove(change.header.signerSHA256)
      searching[origin] = fingerprints.isEmpty ? nil : fingerprints
      if searching.isEmpty { break }
    }
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

/// What the workers checking one batch share: the next change to take, and what they verified.
private final class SharedChecks: Sendable {
  let next = Atomic(0)
  let verified = Mutex<[SignatureChecks.Signed]>([])
}
