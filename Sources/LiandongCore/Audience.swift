import Foundation

/// Who may receive a change's content (DOMAIN.md "Sharing levels", after MISP's distribution
/// levels). The origin is always in its own audience. Nodes outside it receive only the stub.
public enum Audience: Hashable, Sendable, CustomStringConvertible {
  /// The whole federation.
  case all
  /// Named nodes; an empty set means "this node only".
  case nodes(Set<NodeID>)

  public static let originOnly = Audience.nodes([])

  public func includes(_ node: NodeID, origin: NodeID) -> Bool {
    switch self {
    case .all: true
    case .nodes(let nodes): node == origin || nodes.contains(node)
    }
  }

  /// The audience for `actor`'s act on an object shared with this audience: everyone who may see
  /// the object, its origin (implicit in the object's own audience) and any other `parties`
  /// included, and the actor left out since it is implicit in its own change.
  public func forAct(by actor: NodeID, parties: Set<NodeID>) -> Audience {
    switch self {
    case .all: .all
    case .nodes(let nodes): .nodes(nodes.union(parties).subtracting([actor]))
    }
  }

  /// Parses the command line's `--to`: `all`, `origin-only`, or node IDs and `group:NAME`s
  /// separated by commas. A group resolves to its nodes through the federation manifest, at the
  /// time of writing: the change names nodes, so a later manifest never widens it.
  public init(parsing text: String, manifest: FederationManifest? = nil) throws {
    let trimmed = text.trimmingSpaces
    if trimmed == "all" {
      self = .all
      return
    }
    if trimmed == "origin-only" {
      self = .originOnly
      return
    }
    var nodes = Set<NodeID>()
    for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let item = part.trimmingSpaces
      if item.hasPrefix("group:") {
        guard let manifest else {
          throw CoreError.invalidAudience(
            text,
            reason:
              "sharing groups come from the signed federation manifest, and none is installed "
              + "('liandong federation install'); name the nodes instead")
        }
        nodes.formUnion(try manifest.group(String(item.dropFirst("group:".count))))
        continue
      }
      if item == "all" {
        throw CoreError.invalidAudience(text, reason: "'all' cannot be combined with node IDs")
      }
      guard !item.isEmpty else { throw CoreError.invalidAudience(text, reason: "an empty node ID") }
      do { nodes.insert(try NodeID(item)) } catch {
        throw CoreError.invalidAudience(text, reason: "'\(item)' is not a node ID (2-32 of a-z, 0-9, '-')")
      }
    }
    self = .nodes(nodes)
  }

  /// `all`, `origin-only`, or the sorted node IDs separated by commas.
  public var description: String {
    switch self {
    case .all: "all"
    case .nodes(let nodes) where nodes.isEmpty: "origin-only"
    case .nodes(let nodes): nodes.sorted().map(\.rawValue).joined(separator: ",")
    }
  }
}
