import Foundation
import LiandongCrypto
import LiandongErrors

/// What the store already knows that bears on one incoming change. The store gathers it; the
/// verifier decides; the store carries the decision out. Keeping the decision pure lets the
/// simulation and the tests drive every branch without a database.
public struct IngestContext: Sendable {
  /// The node doing the ingesting: bodies it is not entitled to are dropped, never stored.
  public var receiver: NodeID
  /// The change already held at this origin and sequence, if any.
  public var held: HeldChange?
  /// The origin's change just before this one, if held.
  public var predecessor: HeldChange?
  /// The highest sequence held for this origin (0 if none).
  public var heldThrough: UInt64
  /// The origin's announced certificate chains, by leaf fingerprint.
  public var signers: [Data: [Certificate]]
  public var quarantined: Bool
  public var physicalMillis: UInt64
  /// The header's signature was already checked, by the key of the certificate whose fingerprint
  /// the header names (on another core, before the write transaction). Trust in that certificate
  /// at the change's time is still decided here.
  public var signatureChecked: Bool
  /// The body as prepared before the transaction (a local change's): its decoding stands for
  /// the change's only if its bytes are the change's body bytes.
  public var prepared: PreparedBody?

  public init(
    receiver: NodeID, held: HeldChange?, predecessor: HeldChange?, heldThrough: UInt64,
    signers: [Data: [Certificate]], quarantined: Bool, physicalMillis: UInt64, signatureChecked: Bool = false,
    prepared: PreparedBody? = nil
  ) {
    self.receiver = receiver
    self.held = held
    self.predecessor = predecessor
    self.heldThrough = heldThrough
    self.signers = signers
    self.quarantined = quarantined
    self.physicalMillis = physicalMillis
    self.signatureChecked = signatureChecked
    self.prepared = prepared
  }

  /// `change`'s body decoded: the prepared decoding when it was made from these very bytes.
  func decodedBody(of change: SignedChange) -> ChangeBody? {
    if let prepared, let bytes = change.body, prepared.bytes == bytes { return prepared.decoded }
    return change.decodedBody()
  }
}

public struct HeldChange: Sendable, Equatable {
  public var id: ChangeID
  public var time: HLCTimestamp
  public var hasBody: Bool
  public init(id: ChangeID, time: HLCTimestamp, hasBody: Bool) {
    self.id = id
    self.time = time
    self.hasBody = hasBody
  }
}

public enum IngestDecision: Sendable, Equatable {
  /// A new change, verified. `announced` holds certificate chains it introduces; `body` is its
  /// decoded body (nil for a stub), decoded once for the checks and handed on to the store.
  case store(SignedChange, announced: [[Data]], body: ChangeBody?)
  /// We held the stub; this is the same change with its body, verified against the header.
  case fillBody(SignedChange, body: ChangeBody?)
  case duplicate
  /// Same origin and sequence, a different change, validly signed: proof of a fork.
  case fork(held: ChangeID, other: SignedChange)
  case refuse(ChangeRefusal)
}

/// Decides whether a change may be stored: signature by a CA-issued certificate that was valid
/// and unrevoked at the change's time, body hash, chain continuity, times that only step back at a
/// clock correction, forks.
public struct ChangeVerifier: Sendable {
  public let trust: TrustAnchor

  public init(trust: TrustAnchor) {
    self.trust = trust
  }

  public func decide(_ change: SignedChange, _ context: IngestContext) -> IngestDecision {
    do {
      return try decideOrThrow(change, context)
    } catch {
      return .refuse(error)
    }
  }

  /// The body is decoded only once the cheap checks have passed, and only once: a duplicate or
  /// a gap costs no decoding, and a bulk change of hundreds of operations is decoded once per
  /// ingest, for the checks here and for the store (through the decision).
  private func decideOrThrow(_ incoming: SignedChange, _ context: IngestContext) throws(ChangeRefusal)
    -> IngestDecision
  {
    let header = incoming.header
    guard header.suite.sharesFormat(with: trust.suite) else {
      throw .suiteNotAllowed(change: incoming.id, suite: header.suite, federation: trust.suite)
    }
    let entitled = header.audience.includes(context.receiver, origin: header.origin)
    let change = entitled ? incoming : incoming.stub

    if let held = context.held {
      if held.id == change.id {
        guard !held.hasBody, !change.isStub else { return .duplicate }
        try change.checkBody()
        let body = change.decodedBody()
        try checkManifests(in: change, body)
        try checkRevocationLists(in: change, body)
        return .fillBody(change, body: body)
      }
      // Two validly signed headers for one slot are proof; an unsigned one is just noise.
      _ = try trustedSigner(of: change, context)
      return .fork(held: held.id, other: change.stub)
    }
    if context.quarantined { throw .originQuarantined(origin: header.origin) }
    guard header.sequence == context.heldThrough + 1 else {
      throw .gap(origin: header.origin, expected: context.heldThrough + 1, received: header.sequence)
    }
    // A change stamped ahead of this node's clock is not refused here: the store holds it with no
    // effect until it may count (`ChainTime`), so the chain behind it is not cut.
    var stepsBack = false
    if header.sequence > 1 {
      guard let predecessor = context.predecessor, predecessor.id == header.previous else {
        throw .brokenLink(change: change.id, sequence: header.sequence)
      }
      stepsBack = !(header.time > predecessor.time)
    }
    // Only a clock correction may step back, and its body must be there to say so.
    if stepsBack, incoming.isStub { throw .timeNotIncreasing(change: change.id) }
    if header.sequence == 1, incoming.isStub {
      throw .firstChangeMustAnnounce(
        change: change.id, reason: "its body is missing, so its certificate is unknown")
    }
    // The header is what is signed, so its signature is checked first: a tampered header is
    // reported as such, not as a body that no longer matches it.
    _ = try trustedSigner(of: incoming, context)
    try incoming.checkBody()
    let body = context.decodedBody(of: incoming)
    let visibleBody = entitled ? body : nil
    if stepsBack, !ChainTime.mayStepBack(visibleBody) { throw .timeNotIncreasing(change: change.id) }
    try checkManifests(in: change, visibleBody)
    try checkRevocationLists(in: change, visibleBody)
    try checkClockCorrections(in: change, visibleBody)
    return .store(change, announced: try announcements(in: incoming, body), body: visibleBody)
  }

  /// Every federation manifest a change carries, published or cited by a designation, must be
  /// signed by the federation CA: no node may grant itself a role. A published one must reach
  /// every node, so its audience must be `all`.
  private func checkManifests(in change: SignedChange, _ body: ChangeBody?) throws(ChangeRefusal) {
    for operation in body?.operations ?? [] {
      let signed: SignedManifest
      switch operation.action {
      case .publishManifest(let published):
        guard change.header.audience == .all else { throw .manifestMustBePublic(change: change.id) }
        signed = published
      case .handOff(.designate(_, _, let cited), _): signed = cited
      default: continue
      }
      if let reason = manifestProblem(signed) { throw .manifestNotValid(change: change.id, reason: reason) }
    }
  }

  /// Why `signed` is not a manifest of this federation, or nil if it is one.
  public func manifestProblem(_ signed: SignedManifest) -> String? {
    let manifest: FederationManifest
    do { manifest = try FederationManifest.parse(signed.document) } catch { return error.description }
    if let suite = manifest.suite, !suite.sharesFormat(with: trust.suite) {
      return "it names the \(suite.rawValue) suite, but the federation CA's key makes this a "
        + "\(trust.suite.rawValue) federation"
    }
    let signedByCA = trust.authorities.contains {
      (try? $0.publicKey().isValidSignature(signed.signature, for: signed.document)) == true
    }
    return signedByCA ? nil : "its signature does not verify with the federation CA's key"
  }

  /// A relayed revocation list must be the federation CA's (a forged one could revoke anyone) and
  /// reach every node.
  private func checkRevocationLists(in change: SignedChange, _ body: ChangeBody?) throws(ChangeRefusal) {
    for operation in body?.operations ?? [] {
      guard case .publishRevocationLists(let lists) = operation.action else { continue }
      guard change.header.audience == .all else { throw .revocationListMustBePublic(change: change.id) }
      if let reason = revocationListProblem(lists) {
        throw .revocationListNotValid(change: change.id, reason: reason)
      }
    }
  }

  /// A clock correction re-times changes every node holds, so every node must see it.
  private func checkClockCorrections(in change: SignedChange, _ body: ChangeBody?) throws(ChangeRefusal) {
    guard ChainTime.mayStepBack(body), change.header.audience != .all else { return }
    throw .clockCorrectionMustBePublic(change: change.id)
  }

  /// Why `lists` (DER) are not this federation's CA's revocation lists, or nil if they are.
  public func revocationListProblem(_ lists: [Data]) -> String? {
    guard !lists.isEmpty else { return "it holds no list" }
    do {
      _ = try TrustAnchor(
        authorities: trust.authorities, revocationLists: lists.map(RevocationList.init(der:)))
      return nil
    } catch {
      return (error as? any CodedError)?.description ?? "it cannot be read"
    }
  }

  /// The certificate chains a change announces. Announcements must reach every node, so their
  /// audience must be `all`; an origin's first change must be one.
  private func announcements(in change: SignedChange, _ body: ChangeBody?) throws(ChangeRefusal) -> [[Data]] {
    let chains: [[Data]] =
      body?.operations.compactMap {
        if case .announceNode(let chain) = $0.action { chain } else { nil }
      } ?? []
    if !chains.isEmpty, change.header.audience != .all { throw .announcementMustBePublic(change: change.id) }
    if change.header.sequence == 1, chains.isEmpty {
      throw .firstChangeMustAnnounce(change: change.id, reason: "it carries no certificate")
    }
    return chains
  }

  /// The certificate that signed `change`: known from the origin's announcements, or announced
  /// by this very change when it is the origin's first. Checked against the CA at the change's
  /// time, and the signature checked with it.
  private func trustedSigner(of change: SignedChange, _ context: IngestContext) throws(ChangeRefusal)
    -> [Certificate]
  {
    let header = change.header
    var chain = context.signers[header.signerSHA256]
    if chain == nil, header.sequence == 1, let body = change.decodedBody() {
      for operation in body.operations {
        guard case .announceNode(let ders) = operation.action else { continue }
        let certificates = ders.compactMap { try? Certificate(der: $0) }
        if certificates.count == ders.count, certificates.first?.fingerprint == header.signerSHA256 {
          chain = certificates
        }
      }
    }
    guard let chain, let leaf = chain.first else {
      throw .unknownSigner(change: change.id, fingerprint: header.signerSHA256.hex)
    }
    let named: String
    do { named = try leaf.nodeIdentity() } catch {
      throw .signerNotTrusted(change: change.id, reason: error)
    }
    guard named == header.origin.rawValue else {
      throw .signerIsAnotherNode(change: change.id, origin: header.origin, certificateNode: named)
    }
    let instant = Date(timeIntervalSince1970: TimeInterval(header.time.wallMillis) / 1000)
    do {
      try trust.verify(
        chain: chain, at: instant,
        now: Date(timeIntervalSince1970: TimeInterval(context.physicalMillis) / 1000))
    } catch let error as CryptoError {
      throw .signerNotTrusted(change: change.id, reason: error)
    } catch {
      throw .signerNotTrusted(change: change.id, reason: .certificateNotTrusted(reason: "\(error)"))
    }
    if !context.signatureChecked { try change.checkSignature(by: leaf) }
    return chain
  }
}
