import LiandongCrypto
import LiandongErrors

/// Why a change was not stored. A refusal writes nothing (except fork proof), so a peer can
/// resend later; the code names the check that failed.
public enum ChangeRefusal: CodedError, Equatable, Sendable {
  case malformedHeader(reason: String)
  case unsupportedFormat(UInt32)
  case suiteNotAllowed(change: ChangeID, suite: CryptoSuite, federation: CryptoSuite)
  case suiteMismatch(change: ChangeID, suite: CryptoSuite, key: KeyAlgorithm)
  case bodySizeMismatch(change: ChangeID, expected: UInt64, actual: UInt64)
  case bodyHashMismatch(change: ChangeID)
  case badSignature(change: ChangeID)
  case unknownSigner(change: ChangeID, fingerprint: String)
  case signerNotTrusted(change: ChangeID, reason: CryptoError)
  case signerIsAnotherNode(change: ChangeID, origin: NodeID, certificateNode: String)
  case firstChangeMustAnnounce(change: ChangeID, reason: String)
  case announcementMustBePublic(change: ChangeID)
  case manifestMustBePublic(change: ChangeID)
  case manifestNotValid(change: ChangeID, reason: String)
  case revocationListMustBePublic(change: ChangeID)
  case revocationListNotValid(change: ChangeID, reason: String)
  case gap(origin: NodeID, expected: UInt64, received: UInt64)
  case brokenLink(change: ChangeID, sequence: UInt64)
  case timeNotIncreasing(change: ChangeID)
  case clockCorrectionMustBePublic(change: ChangeID)
  case originQuarantined(origin: NodeID)
  case fork(origin: NodeID, sequence: UInt64)
  /// This node would sign at a sequence the authority decided for a change it does not hold yet.
  case forkDecided(origin: NodeID, sequence: UInt64, kept: ChangeID)

  public var code: String {
    switch self {
    case .malformedHeader: "change.malformed-header"
    case .unsupportedFormat: "change.unsupported-format"
    case .suiteNotAllowed: "change.suite-not-allowed"
    case .suiteMismatch: "change.suite-mismatch"
    case .bodySizeMismatch: "change.body-size"
    case .bodyHashMismatch: "change.body-hash"
    case .badSignature: "change.bad-signature"
    case .unknownSigner: "change.unknown-signer"
    case .signerNotTrusted: "change.signer-not-trusted"
    case .signerIsAnotherNode: "change.signer-other-node"
    case .firstChangeMustAnnounce: "change.first-not-announce"
    case .announcementMustBePublic: "change.announce-not-public"
    case .manifestMustBePublic: "change.manifest-not-public"
    case .manifestNotValid: "change.manifest-invalid"
    case .revocationListMustBePublic: "change.crl-not-public"
    case .revocationListNotValid: "change.crl-invalid"
    case .gap: "change.gap"
    case .brokenLink: "change.broken-link"
    case .timeNotIncreasing: "change.time-not-increasing"
    case .clockCorrectionMustBePublic: "change.clock-correction-not-public"
    case .originQuarantined: "change.origin-quarantined"
    case .fork: "change.fork"
    case .forkDecided: "change.fork-decided"
    }
  }

  public var description: String {
    switch self {
    case .malformedHeader(let reason): "the change header cannot be decoded: \(reason)"
    case .unsupportedFormat(let format):
      "the change uses header format \(format); this node reads formats "
        + "\(ChangeHeader.knownFormats.map(String.init).joined(separator: " and ")): upgrade it"
    case .suiteNotAllowed(let change, let suite, let federation):
      "change \(change.short) is signed in the \(suite.rawValue) suite, but this federation's CA makes it a "
        + "\(federation.rawValue) federation, and a node accepts changes in its federation's suite only"
    case .suiteMismatch(let change, let suite, let key):
      "change \(change.short): its header says suite \(suite.rawValue), but its signer's key is \(key.rawValue)"
    case .bodySizeMismatch(let change, let expected, let actual):
      "change \(change.short): the body has \(actual) bytes but the signed header says \(expected)"
    case .bodyHashMismatch(let change):
      "change \(change.short): the body's SHA-256 differs from the one in the signed header (altered in transit or storage)"
    case .badSignature(let change):
      "change \(change.short): the signature does not verify over the header bytes (forged or altered)"
    case .unknownSigner(let change, let fingerprint):
      "change \(change.short): signed by certificate \(fingerprint.prefix(16))..., which no change of its origin announced"
    case .signerNotTrusted(let change, let reason):
      "change \(change.short): the signer's certificate was not valid at the change's time: \(reason)"
    case .signerIsAnotherNode(let change, let origin, let certificateNode):
      "change \(change.short) claims origin \(origin) but its certificate names node \(certificateNode)"
    case .firstChangeMustAnnounce(let change, let reason):
      "change \(change.short) is an origin's first change, which must announce its certificate: \(reason)"
    case .announcementMustBePublic(let change):
      "change \(change.short) announces a certificate but its audience is not 'all'"
    case .manifestMustBePublic(let change):
      "change \(change.short) publishes a federation manifest but its audience is not 'all'"
    case .manifestNotValid(let change, let reason):
      "change \(change.short) carries a federation manifest that is not the CA's: \(reason)"
    case .revocationListMustBePublic(let change):
      "change \(change.short) publishes a revocation list but its audience is not 'all'"
    case .revocationListNotValid(let change, let reason):
      "change \(change.short) carries a revocation list that is not the federation CA's: \(reason)"
    case .gap(let origin, let expected, let received):
      "\(origin)'s change \(received) arrived before \(expected); changes of one origin are stored in order"
    case .brokenLink(let change, let sequence):
      "change \(change.short) (sequence \(sequence)) does not name its predecessor's hash: the chain is broken"
    case .timeNotIncreasing(let change):
      "change \(change.short) is not later than its predecessor, and is no clock correction: an origin's clock must move forward"
    case .clockCorrectionMustBePublic(let change):
      "change \(change.short) corrects its origin's clock but its audience is not 'all'"
    case .originQuarantined(let origin):
      "\(origin) is quarantined after signing two different changes with one sequence number; an operator must decide"
    case .fork(let origin, let sequence):
      "\(origin) signed two different changes with sequence \(sequence): both kept as proof, origin quarantined"
    case .forkDecided(let origin, let sequence, let kept):
      "the federation authority decided that change \(kept.short) stands at \(origin)#\(sequence), and this node does not hold it yet"
    }
  }
}
