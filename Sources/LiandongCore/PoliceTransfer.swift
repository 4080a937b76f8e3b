import Foundation

/// The package a case goes to the police with (行刑衔接): each document is an evidence item, so
/// it is hashed, has a chain of custody, and can be exported in a verifiable bundle.
public struct PolicePackage: Hashable, Sendable {
  public var letter: ObjectID
  public var investigationReport: ObjectID
  public var itemsList: ObjectID
  public var testReports: [ObjectID]

  public init(
    letter: ObjectID, investigationReport: ObjectID, itemsList: ObjectID, testReports: [ObjectID] = []
  ) {
    self.letter = letter
    self.investigationReport = investigationReport
    self.itemsList = itemsList
    self.testReports = testReports
  }
}

/// An act in a transfer to police, all by the bureau that owns the case (the police are outside
/// the federation: their answers are recorded by the bureau).
public enum PoliceAct: Hashable, Sendable {
  case create(caseID: ObjectID, police: String, reportedOn: CivilDate, package: PolicePackage)
  case approve
  case refuse(reason: String)
  case transfer(receipt: String)
  case policeAccepted(note: String)
  case policeDeclined(note: String)
  case reconsider(note: String)
  case close

  public var name: String {
    switch self {
    case .create: "create"
    case .approve: "approve"
    case .refuse: "refuse"
    case .transfer: "transfer"
    case .policeAccepted: "police-accepted"
    case .policeDeclined: "police-declined"
    case .reconsider: "reconsider"
    case .close: "close"
    }
  }
}

extension PoliceAct {
  /// The steps after `create`: the states each may follow, and whether it needs a note (a
  /// reason, the police's receipt, their decision). The reducer and the acts a page offers read
  /// this one table.
  public static let steps: [(name: String, from: [PoliceTransferState], needsNote: Bool)] = [
    ("approve", [.reported], false), ("refuse", [.reported], true), ("transfer", [.approved], true),
    ("police-accepted", [.transferred, .reconsideration], true),
    ("police-declined", [.transferred, .reconsideration], true),
    ("reconsider", [.policeDeclined], true), ("close", [.refused, .policeAccepted, .policeDeclined], false),
  ]

  /// The step named `step`, with its note; nil for a name that is no step.
  public init?(step: String, note: String) {
    switch step {
    case "approve": self = .approve
    case "refuse": self = .refuse(reason: note)
    case "transfer": self = .transfer(receipt: note)
    case "police-accepted": self = .policeAccepted(note: note)
    case "police-declined": self = .policeDeclined(note: note)
    case "reconsider": self = .reconsider(note: note)
    case "close": self = .close
    default: return nil
    }
  }

  /// The steps a transfer in `state` may take next.
  public static func open(from state: PoliceTransferState) -> [String] {
    steps.filter { $0.from.contains(state) }.map(\.name)
  }

  /// Whether the step is the leader's to take (DOMAIN.md: a supervisor approves or refuses).
  public static func isLeaders(_ step: String) -> Bool { step == "approve" || step == "refuse" }

  static func allowed(before step: String) -> [PoliceTransferState] {
    steps.first { $0.name == step }?.from ?? []
  }
}

public enum PoliceTransferState: String, CanonicalName {
  case reported, approved, refused, transferred
  case policeAccepted = "police-accepted"
  case policeDeclined = "police-declined"
  case reconsideration, closed
  public static let fieldName = "police transfer state"
}

public struct PoliceTransferProjection: Sendable, Equatable {
  public var id: ObjectID
  public var bureau: NodeID
  public var caseID: ObjectID
  public var police: String
  public var reportedOn: CivilDate
  public var package: PolicePackage
  public var state: PoliceTransferState
  public var approved: HLCTimestamp?
  public var transferred: HLCTimestamp?
  public var policeDecided: HLCTimestamp?
  public var note: String
  public var audience: Audience
  public var updated: HLCTimestamp
}

enum PoliceFold {
  typealias Refused = ObjectFold.Refused

  static func apply(_ act: PoliceAct, _ record: OperationRecord, to state: ObjectProjection?) -> Result<
    ObjectProjection?, Refused
  > {
    let id = record.operation.objectID
    if case .create(let caseID, let police, let reportedOn, let package) = act {
      guard state == nil else {
        return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
      }
      guard !police.isBlank else {
        return .failure(Refused(code: "op.invalid", reason: "name the police office the case goes to"))
      }
      return .success(
        .policeTransfer(
          PoliceTransferProjection(
            id: id, bureau: record.origin, caseID: caseID, police: police, reportedOn: reportedOn,
            package: package,
            state: .reported, approved: nil, transferred: nil, policeDecided: nil, note: "",
            audience: record.audience, updated: record.order.time)))
    }
    guard case .policeTransfer(var transfer) = state else {
      return .failure(
        Refused(code: "op.no-such-transfer", reason: "no transfer to police \(id) exists before this act"))
    }
    guard record.origin == transfer.bureau else {
      return .failure(
        Refused(
          code: "op.not-owner", reason: "only \(transfer.bureau), which made the transfer, records its acts"))
    }
    let current = transfer.state
    // The states this step may follow, from the one table of steps.
    func move(to next: PoliceTransferState, note: String? = nil) -> Result<ObjectProjection?, Refused> {
      guard PoliceAct.allowed(before: act.name).contains(current) else {
        return .failure(
          Refused(
            code: "op.wrong-state",
            reason: "cannot \(act.name) a transfer to police that is \(current.rawValue)"))
      }
      if let note, note.isBlank {
        return .failure(Refused(code: "op.invalid", reason: "\(act.name) needs a note or reason"))
      }
      transfer.state = next
      if let note { transfer.note = note }
      switch next {
      case .approved: transfer.approved = record.order.time
      case .transferred: transfer.transferred = record.order.time
      case .policeAccepted, .policeDeclined: transfer.policeDecided = record.order.time
      default: break
      }
      transfer.updated = record.order.time
      return .success(.policeTransfer(transfer))
    }
    switch act {
    case .create: return .failure(Refused(code: "op.exists", reason: "object \(id) already exists"))
    case .approve: return move(to: .approved)
    case .refuse(let reason):
      return move(to: .refused, note: reason)
    case .transfer(let receipt):
      return move(to: .transferred, note: receipt)
    case .policeAccepted(let note):
      return move(to: .policeAccepted, note: note)
    case .policeDeclined(let note):
      return move(to: .policeDeclined, note: note)
    case .reconsider(let note):
      return move(to: .reconsideration, note: note)
    case .close: return move(to: .closed)
    }
  }
}
