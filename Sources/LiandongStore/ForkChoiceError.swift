import LiandongErrors

/// Why this node's operator could not decide a fork of its own chain (`NodeStore.keepOwnFork`).
public enum ForkChoiceError: CodedError, Sendable, Equatable {
  /// No fork this node holds proof of names a change starting with `change`.
  case notFound(change: String, node: String)
  /// The change is of another node's chain: its operator, or the authority, decides.
  case otherOrigin(origin: String)
  /// The fork is decided already, for another change.
  case decided(kept: String, by: String)
  /// This node's key signed choices of both changes (a thief may hold it): only the authority
  /// decides now.
  case contested
  /// This node's certificate is revoked: its choices no longer count.
  case certificateRevoked(node: String)

  public var code: String {
    switch self {
    case .notFound: "fork.not-found"
    case .otherOrigin: "fork.other-origin"
    case .decided: "fork.decided"
    case .contested: "fork.contested"
    case .certificateRevoked: "fork.certificate-revoked"
    }
  }

  public var description: String {
    switch self {
    case .notFound(let change, let node):
      "no fork of \(node)'s chain that this node holds proof of names a change starting with '\(change)'"
    case .otherOrigin(let origin):
      "that fork is of \(origin)'s chain, and only \(origin)'s operator, on \(origin), or the federation authority decides it"
    case .decided(let kept, let by):
      "the fork is decided already: \(kept.prefix(12)) stands, as \(by) decided"
    case .contested:
      "this node's key has signed decisions for both changes of that fork, so neither counts"
    case .certificateRevoked(let node):
      "\(node)'s certificate is revoked, so a decision it signs would not count on any node"
    }
  }
}
