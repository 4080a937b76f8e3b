import Foundation
import LiandongCore

/// Who is at the other end of an authenticated connection: the node named by its certificate's
/// SAN URI, after the chain verified against the federation CA and its CRLs.
public struct PeerIdentity: Sendable, Equatable, CustomStringConvertible {
  public let node: NodeID
  public let certificateFingerprint: Data

  public var description: String { node.rawValue }
}
