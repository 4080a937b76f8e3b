import Foundation

/// A subject as every node that holds the same operations sees it.
public struct SubjectProjection: Sendable, Equatable {
  public var id: ObjectID
  public var origin: NodeID
  public var record: SubjectRecord
  public var created: HLCTimestamp
  public var audience: Audience
}

/// A lead (问题线索) as every node that holds the same operations sees it.
public struct LeadProjection: Sendable, Equatable {
  public var id: ObjectID
  public var origin: NodeID
  /// Only the owner may edit the lead. It is the origin until a hand-off moves it.
  public var owner: NodeID
  public var state: LeadState
  public var fields: LeadFields
  public var createdBy: String
  public var created: HLCTimestamp
  public var updated: HLCTimestamp
  public var audience: Audience
  /// The latest hand-off of the case this lead stands for.
  public var handOff: HandOffStatus? = nil
  /// The owner received the case by hand-off or designation, so may not pass it on.
  public var receivedByHandOff = false
  /// Another bureau claims the case; open until a superior designates.
  public var dispute: JurisdictionDispute? = nil
  /// How each receiving bureau handles the lead.
  public var handling: [NodeID: LeadHandling] = [:]
  public var mergedInto: ObjectID? = nil
  public var withdrawalNote: String? = nil
  /// The last hand-off act applied: the basis the next act names.
  public var handOffHead: OperationRef? = nil
  /// That act with the position before it, to detect an act made at once that crosses it.
  public var lastHandOffStep: HandOffStep? = nil
  public var handOffConflict: HandOffConflict? = nil
  /// Operations on the case that the bureau which handed it off shared with the new owner.
  public var sharedHistory: [SharedHistoryEntry] = []
}

/// An evidence item: the record of the change that added it, and its chain of custody.
public struct EvidenceProjection: Sendable, Equatable {
  public var id: ObjectID
  public var origin: NodeID
  public var record: EvidenceRecord
  public var addedBy: String
  public var added: HLCTimestamp
  public var audience: Audience
  /// Nodes it was shared with later, by signed acts of nodes that held it.
  public var sharedWith: Set<NodeID> = []
  /// The chain of custody, in replay order: append-only.
  public var custody: [CustodyEntry] = []

  /// Whether `node` may hold the item: in the audience that added it, or shared with it since.
  public func isHeld(by node: NodeID) -> Bool {
    audience.includes(node, origin: origin) || sharedWith.contains(node)
  }
}

public struct CustodyEntry: Sendable, Equatable {
  public var ref: OperationRef
  public var node: NodeID
  public var officer: String
  public var time: HLCTimestamp
  public var record: CustodyRecord
}

/// Indirect: a lead's projection is over a kilobyte inline, an enum is as large as its largest
/// case, and the fold moves the projection of every object it touches from step to step
/// (BENCHMARKS.md, "Statement journals": where B2's sync goes).
public indirect enum ObjectProjection: Sendable, Equatable {
  case subject(SubjectProjection)
  case lead(LeadProjection)
  case evidence(EvidenceProjection)
  case request(RequestProjection)
  case policeTransfer(PoliceTransferProjection)
  case warning(WarningProjection)
}
