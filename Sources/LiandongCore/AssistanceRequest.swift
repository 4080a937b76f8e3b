import Foundation
import LiandongCrypto

/// An assistance request (协助调查 / 委托调查) as its requester records it.
public struct AssistanceRequestRecord: Hashable, Sendable {
  public var requested: NodeID
  public var caseReference: String
  public var legalBasis: String
  public var tasks: [AssistanceTask]
  public var details: String
  public var evidenceIDs: [ObjectID]
  /// The requested completion date, if the requester gave one.
  public var wantedBy: CivilDate?

  public init(
    requested: NodeID, caseReference: String, legalBasis: String, tasks: [AssistanceTask],
    details: String = "",
    evidenceIDs: [ObjectID] = [], wantedBy: CivilDate? = nil
  ) {
    self.requested = requested
    self.caseReference = caseReference
    self.legalBasis = legalBasis
    self.tasks = tasks
    self.details = details
    self.evidenceIDs = evidenceIDs
    self.wantedBy = wantedBy
  }

  public func validate() throws {
    guard !caseReference.isBlank else {
      throw CoreError.missingField("the case reference (--case)")
    }
    guard !legalBasis.isBlank else {
      throw CoreError.missingField("the legal basis (--legal-basis)")
    }
    guard !tasks.isEmpty else { throw CoreError.missingField("at least one task (--task)") }
  }
}

/// One operation, named by its change and its position there: what an act builds on.
public struct OperationRef: Hashable, Sendable, CustomStringConvertible, Codable {
  public var change: ChangeID
  public var index: Int

  public init(change: ChangeID, index: Int) {
    self.change = change
    self.index = index
  }

  /// `<change hex>:<index>`, as the command line and JSON show it.
  public init(_ text: String) throws {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let bytes = Data(hex: String(parts[0])), let change = ChangeID(bytes: bytes),
      let index = Int(parts[1]), index >= 0
    else {
      throw CoreError.invalidValue(
        field: "operation reference", value: text,
        allowed: ["<change ID>:<index>, as 'liandong history' shows"])
    }
    self.init(change: change, index: index)
  }

  public var description: String { "\(change.hex):\(index)" }

  public init(from decoder: Decoder) throws {
    try self.init(try decoder.singleValueContainer().decode(String.self))
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}

/// What one bureau does to an assistance request.
public enum RequestAct: Hashable, Sendable {
  case acknowledge
  case accept
  /// Notified once, before the deadline: the deadline moves by this many working days.
  /// `deadline` is the deadline as the extending bureau counts it with its calendar; every node
  /// refuses an extension signed after that day (nil in extensions made before it was carried).
  case extend(workingDays: Int, reason: String, deadline: CivilDate?)
  case complete(findings: String, evidenceIDs: [ObjectID])
  case completePartly(findings: String, evidenceIDs: [ObjectID])
  case decline(reason: String)
  case cancel(reason: String)
  case close
  /// In a conflict: the act that stands; the others are void.
  case resolve(keep: OperationRef)

  public var name: String {
    switch self {
    case .acknowledge: "acknowledge"
    case .accept: "accept"
    case .extend: "extend"
    case .complete: "complete"
    case .completePartly: "complete-partly"
    case .decline: "decline"
    case .cancel: "cancel"
    case .close: "close"
    case .resolve: "resolve"
    }
  }

  /// Which side of the request may perform the act.
  public var side: RequestSide? {
    switch self {
    case .acknowledge, .accept, .extend, .complete, .completePartly, .decline: .requested
    case .cancel, .close: .requester
    case .resolve: nil
    }
  }

  /// Acts that end the request for one side; two of them from both sides at once conflict.
  public var isFinal: Bool {
    switch self {
    case .complete, .completePartly, .decline, .cancel: true
    default: false
    }
  }
}

public enum RequestSide: String, Sendable, Codable {
  case requester, requested
}
