import Foundation
import LiandongCore

/// A node as the application layer acts through it: its store and evidence files, its verifier,
/// the signing of its next changes, and where new object IDs come from. `NodeHome` (a data
/// folder) is the one every front end uses; the deterministic simulation holds its nodes in
/// memory, with clocks and IDs it controls, and drives the same use cases through this seam.
public protocol LocalNode: AnyObject, Sendable {
  var node: NodeID { get }
  /// Everything the node keeps, through the store's roles, whichever engine holds it.
  var store: any NodeStorage { get }
  var blobs: BlobStore { get }
  /// Checks every change this node stores, local or received, against the trust in force.
  var verifier: ChangeVerifier { get }
  /// Signs one change per body and stores them in one transaction; returns once they are durable.
  /// With `keepingRefused` false, a refused operation undoes it all and throws `OperationsRefused`.
  func recordEach(prepared: [PreparedBody], audience: Audience, now: Date, keepingRefused: Bool) throws
    -> [SignedChange]
  func newObjectID() -> ObjectID
}

extension LocalNode {
  /// Signs and stores every change, refused operations included (a bulk import, a test of the rules).
  public func recordEach(prepared: [PreparedBody], audience: Audience, now: Date) throws -> [SignedChange] {
    try recordEach(prepared: prepared, audience: audience, now: now, keepingRefused: true)
  }

  /// Signs `operations` by `officer` as this node's next change, visible to `audience`.
  @discardableResult
  public func record(
    _ operations: [DomainOperation], audience: Audience, officer: String, now: Date = Date()
  ) throws
    -> SignedChange
  {
    try recordEach(
      prepared: [PreparedBody(ChangeBody(officer: officer, operations: operations))], audience: audience,
      now: now
    )[0]
  }
}

/// A local act's operations the reducers refused; nothing was signed or stored.
public struct OperationsRefused: Error, Sendable {
  public let refusals: [OperationRefusal]
}
