import LiandongCore
import LiandongErrors
import LiandongStore

/// The bureaus an act may name: a mistyped `--to zzz` would otherwise be signed, shared with a
/// node that does not exist, and wait forever. With a federation manifest its members are the
/// federation; without one, the nodes this one knows: its peers and every node whose changes it
/// holds.
extension NodeApp {
  public func knownNodes() throws -> Set<NodeID> {
    if let members = try manifestMembers() { return Set(members).union([node]) }
    let peers = try store.peers().compactMap { try? NodeID($0.node) }
    return Set(peers).union(try store.versionVector().keys).union([node])
  }

  /// The members the federation manifest in force lists, if one is installed and lists them.
  private func manifestMembers() throws -> [NodeID]? {
    try store.currentManifest()?.view.manifest.members.map { $0.compactMap { try? NodeID($0) } }
  }

  /// `audience` with every node it names checked against `knownNodes`.
  func checked(_ audience: Audience) throws -> Audience {
    guard case .nodes(let nodes) = audience, !nodes.isEmpty else { return audience }
    let known = try knownNodes()
    for named in nodes.sorted() where !known.contains(named) {
      throw unknown(named, known: known)
    }
    return audience
  }

  /// The one other bureau an act is addressed to (a request, a hand-off): known, and not `all`.
  func recipient(_ named: NodeID, of act: String) throws -> NodeID {
    if named.rawValue == "all" {
      throw UsageError(
        code: "recipient.not-one",
        message: "'all' names the whole federation, but \(act) goes to one bureau; name its node ID")
    }
    let known = try knownNodes()
    guard known.contains(named) else { throw unknown(named, known: known) }
    return named
  }

  private func unknown(_ named: NodeID, known: Set<NodeID>) -> UsageError {
    let source =
      (try? manifestMembers()) != nil
      ? "the federation manifest's members" : "this node's peers and the nodes it has heard from"
    let others = known.subtracting([node])
    let closest = others.map { ($0, Self.editDistance($0.rawValue, named.rawValue)) }
      .filter { $0.1 <= 2 }.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    let suggestion = closest.map { "; did you mean '\($0)'?" } ?? ""
    let list = others.sorted().map(\.rawValue).prefix(20).joined(separator: ", ")
    return UsageError(
      code: "recipient.unknown",
      message:
        "no node '\(named)' in \(source)\(suggestion) (known: \(list.isEmpty ? "none yet" : list))")
  }

  /// Levenshtein distance, for "did you mean".
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
