import Foundation
import LiandongCrypto

/// The federation's shape: its members, its sharing groups (`--to group:NAME`) and which nodes
/// are superiors of which (who may designate jurisdiction). The federation CA signs it, as
/// X-Road's authority signs its global configuration, so no node can grant itself a role; any
/// node may carry it to the others, and the highest version wins.
///
///     {"federation": "national", "version": 2, "suite": "p256",
///      "members": ["jjj", "yrd", "prd", "samr"],
///      "groups": {"yrd-delta": ["310000", "320000", "330000", "340000"]},
///      "superiors": {"samr": ["jjj", "yrd", "prd"]}}
public struct FederationManifest: Sendable, Equatable, Codable {
  public var federation: String
  public var version: Int
  /// The algorithm suite (`p256`, `ed25519` or `sm`). The CA's key fixes it; the manifest says
  /// it so that an operator reads it, and a manifest naming another suite is refused.
  public var suite: CryptoSuite?
  /// Every member; when absent, any node with a certificate from the CA.
  public var members: [String]?
  public var groups: [String: [String]]
  /// Superior node -> the nodes it may designate jurisdiction over.
  public var superiors: [String: [String]]
  /// The authority's decisions on forks: which change stands (`ForkDecisions`).
  public var forks: [ForkDecision]
  /// The authority's cut-offs: changes that count although a revoked key signed them and no
  /// checkpoint witnessed them in time (`RevocationCutOff`).
  public var cutoffs: [RevocationCutOff]

  public init(
    federation: String, version: Int, suite: CryptoSuite? = nil, members: [String]? = nil,
    groups: [String: [String]] = [:],
    superiors: [String: [String]] = [:], forks: [ForkDecision] = [], cutoffs: [RevocationCutOff] = []
  ) {
    self.cutoffs = cutoffs
    self.federation = federation
    self.version = version
    self.suite = suite
    self.members = members
    self.groups = groups
    self.superiors = superiors
    self.forks = forks
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    federation = try container.decode(String.self, forKey: .federation)
    version = try container.decode(Int.self, forKey: .version)
    suite = try container.decodeIfPresent(CryptoSuite.self, forKey: .suite)
    members = try container.decodeIfPresent([String].self, forKey: .members)
    groups = try container.decodeIfPresent([String: [String]].self, forKey: .groups) ?? [:]
    superiors = try container.decodeIfPresent([String: [String]].self, forKey: .superiors) ?? [:]
    forks = try container.decodeIfPresent([ForkDecision].self, forKey: .forks) ?? []
    cutoffs = try container.decodeIfPresent([RevocationCutOff].self, forKey: .cutoffs) ?? []
  }

  /// Reads and checks a manifest document: a version of 1 or more, and valid node IDs and group
  /// names everywhere.
  public static func parse(_ document: Data) throws(CoreError) -> FederationManifest {
    let manifest: FederationManifest
    do { manifest = try JSONDecoder().decode(FederationManifest.self, from: document) } catch {
      throw .invalidManifest(
        "it is not a manifest document (JSON with federation, version, groups, superiors): \(error)")
    }
    guard manifest.version >= 1 else { throw .invalidManifest("its version must be 1 or more") }
    var nodes = manifest.members ?? []
    for (name, list) in manifest.groups {
      guard (try? NodeID(name)) != nil, !list.isEmpty else {
        throw .invalidManifest(
          "group '\(name)': use a-z, 0-9 and '-' for its name, and list at least one node")
      }
      nodes += list
    }
    for (superior, list) in manifest.superiors { nodes += [superior] + list }
    var decided = Set<String>()
    for decision in manifest.forks {
      nodes.append(decision.origin)
      guard decision.sequence >= 1, decision.kept != nil, decision.keep == decision.keep.lowercased() else {
        throw .invalidManifest(
          "forks: \(decision.origin) at \(decision.sequence): give a sequence of 1 or more and, as keep, the ID of the change that stands (64 lower-case hex digits, as 'liandong status --json' lists it under forks)"
        )
      }
      guard decided.insert("\(decision.origin)/\(decision.sequence)").inserted else {
        throw .invalidManifest(
          "forks: \(decision.origin) at \(decision.sequence) is decided twice; name one change")
      }
    }
    for cutOff in manifest.cutoffs {
      nodes.append(cutOff.origin)
      guard cutOff.sequence >= 1, cutOff.headID != nil, cutOff.head == cutOff.head.lowercased() else {
        throw .invalidManifest(
          "cutoffs: \(cutOff.origin) through \(cutOff.sequence): give a sequence of 1 or more and, as head, the ID of the origin's change there (64 lower-case hex digits, as 'liandong log --json' lists it)"
        )
      }
    }
    for node in nodes {
      guard (try? NodeID(node)) != nil else { throw .invalidManifest("'\(node)' is not a node ID") }
    }
    return manifest
  }

  /// The nodes of a sharing group.
  public func group(_ name: String) throws(CoreError) -> [NodeID] {
    guard let list = groups[name] else {
      throw .unknownGroup(name: name, known: groups.keys.sorted(), version: version)
    }
    return list.compactMap { try? NodeID($0) }
  }

  /// The nodes that are superiors of every one of `nodes`.
  public func superiors(ofAll nodes: [NodeID]) -> [NodeID] {
    superiors.keys.sorted().compactMap { try? NodeID($0) }.filter { superior in
      nodes.allSatisfy { isSuperior(superior, over: $0) }
    }
  }

  /// Whether `superior` may designate jurisdiction over `node`.
  public func isSuperior(_ superior: NodeID, over node: NodeID) -> Bool {
    superiors[superior.rawValue]?.contains(node.rawValue) ?? false
  }
}

/// A manifest document exactly as the CA signed it, with the signature. The document's bytes are
/// what is signed and what travels: never a re-serialization.
public struct SignedManifest: Hashable, Sendable {
  public var document: Data
  public var signature: Data

  public init(document: Data, signature: Data) {
    self.document = document
    self.signature = signature
  }

  /// The manifest, if the document parses (the verifier refuses a change carrying one that
  /// does not).
  public var manifest: FederationManifest? { try? FederationManifest.parse(document) }
}
