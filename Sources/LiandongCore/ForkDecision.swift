import Foundation

/// The federation authority's decision on a fork: of the changes an origin signed with one
/// sequence number, `keep` stands and every other is kept as evidence with no effect. It comes in
/// a manifest the CA signs (`"forks"`), so a thief holding the origin's key cannot make one, and
/// every node that holds the manifest applies it identically.
///
///     "forks": [{"origin": "jjj", "sequence": 5, "keep": "9f2c…(64 hex digits)"}]
public struct ForkDecision: Sendable, Equatable, Hashable, Codable {
  public var origin: String
  public var sequence: UInt64
  /// The change that stands, as 64 lower-case hex digits.
  public var keep: String

  public init(origin: String, sequence: UInt64, keep: String) {
    self.origin = origin
    self.sequence = sequence
    self.keep = keep
  }

  /// The change that stands, once `FederationManifest.parse` has checked the digits.
  public var kept: ChangeID? { Data(hex: keep).flatMap(ChangeID.init(bytes:)) }
}

/// A forked node's operator's decision on a fork of its own chain, as a checkpoint it signed
/// carries it (`Checkpoint.forks`): the operator knows which branch is its node's (a backup
/// restored, a snapshot rolled back) and needs no one else to say so, while the key is its own.
public struct OriginForkChoice: Sendable, Equatable, Hashable {
  public var origin: NodeID
  public var sequence: UInt64
  public var keep: ChangeID

  public init(origin: NodeID, sequence: UInt64, keep: ChangeID) {
    self.origin = origin
    self.sequence = sequence
    self.keep = keep
  }
}

/// Which change stands at each decided fork. Two deciders, in order of precedence:
///
/// - **The federation authority**, in the manifests a node holds. A later manifest decides again
///   only the forks it names: a decision stands until a higher version names another change for
///   the same origin and sequence. Of two manifests with one version, the one whose hash is
///   smaller decides, as it does for the manifest in force.
/// - **The origin's operator**, in the origin's checkpoints signed by a certificate no CRL in
///   force revokes (`OriginForkChoice`), where the authority has not decided. A thief holding the
///   origin's key can sign a choice too; so a choice counts only while every such choice for that
///   fork names the same change (a contested fork waits for the authority), and none counts once
///   its certificate is revoked, at whatever time (the thief chooses the time it signs).
///
/// A pure function of the manifests, checkpoints and revocations held, so nodes that hold the
/// same ones agree.
public struct ForkDecisions: Sendable, Equatable {
  /// Who decided a fork.
  public enum Decider: String, Sendable, Codable {
    case authority
    case origin
  }

  public struct Fork: Hashable, Sendable {
    public var origin: NodeID
    public var sequence: UInt64

    public init(origin: NodeID, sequence: UInt64) {
      self.origin = origin
      self.sequence = sequence
    }
  }

  public private(set) var kept: [Fork: ChangeID]
  public private(set) var decidedBy: [Fork: Decider] = [:]
  /// Forks the origin's choices contradict each other on, and the authority has not decided.
  public private(set) var contested: Set<Fork> = []

  /// `manifests`: each held manifest with the hash of its signed document. `originChoices`: the
  /// choices of the origins' checkpoints whose certificates are not revoked.
  public init(
    manifests: [(manifest: FederationManifest, sha256: Data)], originChoices: [OriginForkChoice] = []
  ) {
    let ordered = manifests.sorted {
      $0.manifest.version != $1.manifest.version
        ? $0.manifest.version < $1.manifest.version
        : $1.sha256.lexicographicallyPrecedes($0.sha256)
    }
    var kept: [Fork: ChangeID] = [:]
    var decidedBy: [Fork: Decider] = [:]
    var contested: Set<Fork> = []
    for choice in originChoices {
      let fork = Fork(origin: choice.origin, sequence: choice.sequence)
      if contested.contains(fork) { continue }
      if let earlier = kept[fork], earlier != choice.keep {
        kept[fork] = nil
        decidedBy[fork] = nil
        contested.insert(fork)
        continue
      }
      kept[fork] = choice.keep
      decidedBy[fork] = .origin
    }
    for (manifest, _) in ordered {
      for decision in manifest.forks {
        guard let origin = try? NodeID(decision.origin), let change = decision.kept else { continue }
        let fork = Fork(origin: origin, sequence: decision.sequence)
        kept[fork] = change
        decidedBy[fork] = .authority
        contested.remove(fork)
      }
    }
    self.kept = kept
    self.decidedBy = decidedBy
    self.contested = contested
  }

  public var isEmpty: Bool { kept.isEmpty }

  /// Who decided the fork at `sequence` of `origin`, if anyone did.
  public func decider(origin: NodeID, sequence: UInt64) -> Decider? {
    decidedBy[Fork(origin: origin, sequence: sequence)]
  }

  /// Whether the origin's own choices on this fork contradict each other.
  public func isContested(origin: NodeID, sequence: UInt64) -> Bool {
    contested.contains(Fork(origin: origin, sequence: sequence))
  }

  /// The change that stands at `sequence` of `origin`, if a fork there is decided.
  public func kept(origin: NodeID, sequence: UInt64) -> ChangeID? {
    kept[Fork(origin: origin, sequence: sequence)]
  }

  /// Whether every one of `sequences` at which `origin` forked has been decided: the origin's
  /// quarantine ends then.
  public func decidesAll(of origin: NodeID, at sequences: [UInt64]) -> Bool {
    sequences.allSatisfy { kept[Fork(origin: origin, sequence: $0)] != nil }
  }
}
