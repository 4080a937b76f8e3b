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
}

/// An evidence item: the record of the change that added it, and its chain of custody.
public struct EvidenceProjection: Sendable, Equatable {
  public var id: ObjectID
  public var origin: NodeID
  public var record: EvidenceRecord
  public var addedBy: String
  public var added: HLCTimestamp
  public var audience: Audience
  /// The chain of custody, in replay order: append-only.
  public var custody: [CustodyEntry] = []
}

public struct CustodyEntry: Sendable, Equatable {
  public var ref: OperationRef
  public var node: NodeID
  public var officer: String
  public var time: HLCTimestamp
  public var record: CustodyRecord
}

public enum ObjectProjection: Sendable, Equatable {
  case subject(SubjectProjection)
  case lead(LeadProjection)
  case evidence(EvidenceProjection)
  case request(RequestProjection)
  case policeTransfer(PoliceTransferProjection)
}
