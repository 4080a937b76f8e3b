import Foundation
import LiandongCore
import LiandongStore

/// One thing the node committed, as a live event stream tells it: a change stored (made here or
/// received), the objects it touches and what of it was refused. `position` orders events and
/// resumes a stream (`Last-Event-ID`).
public struct NodeEvent: Codable, Sendable, Equatable {
  public var position: Int64
  public var change: String
  public var origin: String
  public var sequence: UInt64
  /// Who signed it at the origin, and the objects it acts on: case content, absent for a caller
  /// who may not read cases and for a stub (a change whose content this node may not see).
  public var officer: String?
  public var objects: [String]?
  /// The codes of its operations this node's rules refused.
  public var refused: [String]?
}

extension NodeApp {
  /// Where a new stream starts when the client names no earlier event: after what is stored now.
  public func lastEventPosition() throws -> Int64 { try store.lastArrival() }

  /// What was committed after `position`, as `caller` may see it, oldest first.
  public func events(after position: Int64, for caller: Caller, limit: Int = 200) throws -> [NodeEvent] {
    let arrivals = try store.arrivals(after: position, limit: limit)
    let readsCases = caller.role.may(.readCases)
    let refusals = readsCases ? try store.refusals(of: arrivals.map(\.change.id)) : []
    return arrivals.map { position, change in
      var event = NodeEvent(
        position: position, change: change.id.hex, origin: change.header.origin.rawValue,
        sequence: change.header.sequence)
      if readsCases, let body = change.body {
        let decoded = PreparedBody(decoding: body).decoded
        event.officer = decoded?.officer
        event.objects = decoded.map { Array(Set($0.operations.map(\.objectID.description))).sorted() }
        let refused = refusals.filter { $0.change == change.id.hex }.map(\.code)
        event.refused = refused.isEmpty ? nil : refused
      }
      return event
    }
  }
}

/// The node's own state as an operator's page shows it, apart from the changes it holds: how its
/// syncs with each peer went, the forks it knows and how they stand, the checkpoints it keeps.
/// The event stream announces a `node` event when it moves, so that page updates itself too.
public struct NodeStateMark: Codable, Sendable, Equatable {
  public var peers: [String]
  public var forks: [String]
  public var quarantined: [String]
  public var checkpoints: Int
}

extension NodeApp {
  public func nodeStateMark() throws -> NodeStateMark {
    return NodeStateMark(
      peers: try store.peers().map {
        [$0.node, $0.lastSuccess ?? "", $0.lastFailure ?? "", $0.lastError ?? ""].joined(separator: "|")
      },
      forks: try store.forks().map { "\($0.origin)#\($0.sequence):\($0.kept ?? "")" },
      quarantined: try store.quarantinedOrigins(),
      checkpoints: try store.checkpointCount())
  }
}
