/// What kind of failure an error is, for a caller deciding what to do next: fix the input, look
/// elsewhere, ask someone with the right, retry later, or report a defect. Each category has one
/// exit status for the command line and one HTTP status for the API, so scripts and case systems
/// can branch on it without parsing messages (`Protocol/ERRORS.md` has the table).
public enum ErrorCategory: String, CaseIterable, Codable, Sendable {
  /// The request itself is wrong: a bad identifier, a missing option, a file that is not what it should be.
  case invalidInput = "invalid-input"
  /// What was named does not exist here (or this node may not see it).
  case notFound = "not-found"
  /// The caller did not say who they are, or how they said it no longer holds (an unknown,
  /// expired or revoked token, a disabled account).
  case unauthenticated
  /// It exists, but this node or officer may not do this to it.
  case forbidden
  /// Allowed in general, but not in the state things are in now (already done, wrong step, clashing act).
  case conflict
  /// Something this act needs is not available now: a peer, the disk, a lock, a file. Retrying later may work.
  case unavailable
  /// A defect or damage: the node itself is in a state it should never be in.
  case `internal`

  /// The command line's exit status. 1 stays the status of a failed check (`verify` naming a change
  /// that fails) and of an internal error, as before categories existed.
  public var exitStatus: Int32 {
    switch self {
    case .invalidInput: 2
    case .notFound: 3
    case .forbidden: 4
    case .conflict: 5
    case .unavailable: 6
    case .unauthenticated: 7
    case .internal: 1
    }
  }

  /// The HTTP API's status for a problem of this category (RFC 9457 problem details).
  public var httpStatus: Int {
    switch self {
    case .invalidInput: 400
    case .notFound: 404
    case .forbidden: 403
    case .conflict: 409
    case .unavailable: 503
    case .unauthenticated: 401
    case .internal: 500
    }
  }
}
