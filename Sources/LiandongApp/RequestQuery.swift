import Foundation
import LiandongCore
import LiandongStore

/// Which assistance requests a list asks for; nil asks for any. A node holds hundreds of
/// requests, not the hundreds of thousands of leads, so they are filtered as read.
public struct RequestQuery: Sendable, Equatable {
  /// Requests this node sent, or received.
  public enum Direction: String, CaseIterable, Sendable {
    case sent, received
  }

  public var state: RequestState?
  public var direction: Direction?
  /// The other bureau: the one asked, or the one asking.
  public var peer: String?
  /// Text the case reference, the legal basis or the details contain (as a lead search folds it).
  public var text: String?
  /// Sent on these days in China, both included.
  public var from: CivilDate?
  public var to: CivilDate?

  public init() {}

  /// Whether `request`, held by `node`, is one this query asks for.
  public func matches(_ request: RequestView, at node: String) -> Bool {
    if let state, request.state != state { return false }
    switch direction {
    case .sent?: if request.requester != node { return false }
    case .received?: if request.requested != node { return false }
    case nil: break
    }
    if let peer, request.requester != peer && request.requested != peer { return false }
    if let from, request.sentOn < from { return false }
    if let to, to < request.sentOn { return false }
    guard let needle = text.map(LeadFilter.folded), !needle.isEmpty else { return true }
    return [request.caseReference, request.legalBasis, request.details].contains {
      LeadFilter.finds(needle, in: $0)
    }
  }
}

extension NodeApp {
  /// The requests this node sent or received that `query` asks for, as `views.requests()` orders
  /// them.
  public func requests(_ query: RequestQuery) throws -> [RequestView] {
    try checkDays(from: query.from, to: query.to)
    try TextLimit.check("search text", query.text, limit: TextLimit.name)
    return try views.requests().filter { query.matches($0, at: node.rawValue) }
  }
}
