import Foundation
import LiandongCrypto

/// Whether a change signed before its certificate's revocation still counts.
///
/// A change's time is chosen by its signer: a thief holding a node's key stamps its changes
/// before the CA revoked the certificate, and "not revoked at the change's time" lets them in.
/// So a change signed by a certificate that a CRL revokes at time R counts only if a checkpoint
/// of another node (one whose own certificate was not revoked by the checkpoint's time) proves the
/// change existed before R, or the federation authority's signed cut-off names it
/// (`RevocationCutOff`). One that is neither is withheld: held, with no effect, and
/// decided again when checkpoints arrive. A change signed by a certificate that a withheld change
/// announced is withheld with it: a rotation stands only if its announcement does.
///
/// A pure function of the changes, checkpoints and CRLs a node holds: ingest, `verify` and
/// `rebuild` agree, and so do nodes that hold the same inputs.
public enum RevocationRule {
  /// A checkpoint proving its signer held the change: who, when, and when the CA revoked the
  /// certificate it was signed with (nil: not revoked).
  public struct Witness: Sendable, Equatable {
    public var node: NodeID
    public var timeMillis: UInt64
    public var signerRevokedAtMillis: UInt64?
    public init(node: NodeID, timeMillis: UInt64, signerRevokedAtMillis: UInt64?) {
      self.node = node
      self.timeMillis = timeMillis
      self.signerRevokedAtMillis = signerRevokedAtMillis
    }
  }

  public enum Standing: Sendable, Equatable {
    case counts
    /// Signed by a certificate revoked at this time, and no other node witnessed it before then.
    case unwitnessed(revokedAtMillis: UInt64)
    /// Signed by a certificate announced in a change that is itself withheld.
    case announcedInWithheld(ChangeID)

    /// Why the change has no effect, for `verify` and the change's history; nil when it counts.
    public var reason: String? {
      switch self {
      case .counts: nil
      case .unwitnessed(let millis):
        "signed by a certificate revoked at \(Date(timeIntervalSince1970: TimeInterval(millis) / 1000).iso8601), "
          + "and no other node's checkpoint shows it held before then"
      case .announcedInWithheld(let change):
        "signed by a certificate announced in change \(change.short), which is withheld"
      }
    }
  }

  /// The standing of a change of `origin` whose signing certificate the CA revoked at
  /// `revokedAtMillis` (nil: not revoked), announced in a withheld change or not, held by
  /// `witnesses`, named by an authority's cut-off (`RevocationCutOff`) or not.
  public static func standing(
    origin: NodeID, revokedAtMillis: UInt64?, announcedInWithheld: ChangeID?, witnesses: [Witness],
    cutOff: Bool = false
  ) -> Standing {
    if let revoked = revokedAtMillis, !cutOff {
      let witnessed = witnesses.contains { witness in
        witness.node != origin && witness.timeMillis < revoked
          && (witness.signerRevokedAtMillis.map { witness.timeMillis < $0 } ?? true)
      }
      if !witnessed { return .unwitnessed(revokedAtMillis: revoked) }
    }
    return announcedInWithheld.map { .announcedInWithheld($0) } ?? .counts
  }
}

/// The federation authority's word that an origin's changes up to `sequence` (the chain ending
/// in `head`) existed before its certificate was revoked: for a federation whose nodes held them
/// before checkpoints existed, or lost the checkpoints that showed it. It comes in a manifest the
/// CA signs (`"cutoffs"`), so a thief cannot make one; every manifest held counts.
///
///     "cutoffs": [{"origin": "jjj", "sequence": 41, "head": "9f2c…(64 hex digits)"}]
public struct RevocationCutOff: Sendable, Equatable, Hashable, Codable {
  public var origin: String
  public var sequence: UInt64
  /// The ID of the origin's change at `sequence`, as 64 lower-case hex digits.
  public var head: String

  public init(origin: String, sequence: UInt64, head: String) {
    self.origin = origin
    self.sequence = sequence
    self.head = head
  }

  /// The change at `sequence`, once `FederationManifest.parse` has checked the digits.
  public var headID: ChangeID? { Data(hex: head).flatMap(ChangeID.init(bytes:)) }
}
