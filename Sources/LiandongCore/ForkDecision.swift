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

/// Which change stands at each decided fork, from every manifest a node holds. A later manifest
/// decides again only the forks it names: a decision stands until a higher version names another
/// change for the same origin and sequence. Of two manifests with one version, the one whose
/// hash is smaller decides, as it does for the manifest in force. A pure function of the
/// manifests held, so nodes that hold the same manifests agree.
public struct ForkDecisions: Sendable, Equatable {
  public struct Fork: Hashable, Sendable {
    public var origin: NodeID
    public var sequence: UInt64

    public init(origin: NodeID, sequence: UInt64) {
      self.origin = origin
      self.sequence = sequence
    }
  }

  public private(set) var kept: [Fork: ChangeID]

  /// `manifests`: each held manifest with the hash of its signed document.
  public init(manifests: [(manifest: FederationManifest, sha256: Data)]) {
    let ordered = manifests.sorted {
      $0.manifest.version != $1.manifest.version
        ? $0.manifest.version < $1.manifest.version
        : $1.sha256.lexicographicallyPrecedes($0.sha256)
    }
    var kept: [Fork: ChangeID] = [:]
    for (manifest, _) in ordered {
      for decision in manifest.forks {
        guard let origin = try? NodeID(decision.origin), let change = decision.kept else { continue }
        kept[Fork(origin: origin, sequence: decision.sequence)] = change
      }
    }
    self.kept = kept
  }

  public var isEmpty: Bool { kept.isEmpty }

  /// The change that stands at `sequence` of `origin`, if the authority decided a fork there.
  public func kept(origin: NodeID, sequence: UInt64) -> ChangeID? {
    kept[Fork(origin: origin, sequence: sequence)]
  }

  /// Whether every one of `sequences` at which `origin` forked has been decided: the origin's
  /// quarantine ends then.
  public func decidesAll(of origin: NodeID, at sequences: [UInt64]) -> Bool {
    sequences.allSatisfy { kept[Fork(origin: origin, sequence: $0)] != nil }
  }
}
