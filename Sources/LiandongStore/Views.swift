import Foundation
import LiandongCore
import LiandongCrypto

/// What the store shows people and scripts. Field names are the JSON keys of `--json` output;
/// enumerated values are typed, and encode as their canonical names.
public struct SubjectView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var kind: SubjectKind
  public var name: String
  public var uscc: String?
  public var registeredDivision: String?
  public var businessDivision: String?
  public var platform: String?
  public var shopID: String?
  public var url: String?
  public var audience: String
}

public struct LeadView: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var owner: String
  public var state: LeadState
  public var source: LeadSource
  public var violations: [Violation]
  public var subjects: [SubjectView]
  public var productCategory: String
  public var summary: String
  public var risk: RiskLevel
  public var sourceReliability: SourceReliability
  public var informationReliability: Int
  public var reporterRealName: Bool
  public var createdBy: String
  public var created: String
  public var updated: String
  public var audience: String
  /// The latest hand-off of the case this lead stands for.
  public var handOff: HandOffView?
  /// The owner received the case by hand-off, so may not pass it on.
  public var receivedByHandOff: Bool
  /// How each receiving bureau handles it (fed back to the origin).
  public var handling: [HandlingView] = []
  public var mergedInto: String? = nil
  public var withdrawalNote: String? = nil
  /// Another bureau claims the case, until a superior designates.
  public var dispute: DisputeView? = nil
  /// The last hand-off act applied (`<change>:<index>`): the basis the next act names.
  public var handOffHead: String? = nil
}

public struct HandlingView: Codable, Sendable, Equatable {
  public var bureau: String
  public var state: LeadState
  public var acknowledgedOn: CivilDate?
  public var extended: String?
  public var outcome: LeadOutcome?
  public var caseReference: String
  public var note: String
  /// The day in China of this bureau's latest act on the lead (its decision, once decided).
  public var updatedOn: CivilDate
}

public struct HandOffView: Codable, Sendable, Equatable {
  public var from: String
  public var to: String
  public var state: HandOffState
  public var letter: String
  public var evidence: [String]
  public var reason: String?
  public var offeredOn: CivilDate
  public var decidedOn: CivilDate?
  /// The superior that designated the bureau now holding the case (state `designated`).
  public var designatedBy: String? = nil
}

/// Another bureau claims the case (Art. 13): negotiation, then a superior designates.
public struct DisputeView: Codable, Sendable, Equatable {
  public var owner: String
  public var claimant: String
  public var reason: String
  public var since: CivilDate
}

public struct ChangeSummary: Codable, Sendable, Equatable {
  public var id: String
  public var origin: String
  public var sequence: UInt64
  public var time: String
  public var hlc: String
  public var audience: String
  public var stub: Bool
  public var officer: String?
  /// SHA-256 fingerprint of the certificate that signed it (`cert show` lists a node's own).
  public var signer: String
  public var operations: [String]
}

public struct ForkView: Codable, Sendable, Equatable {
  public var origin: String
  public var sequence: UInt64
  public var heldChange: String
  public var otherChange: String
  public var detectedAt: String
  /// The change that stands, once decided (`ForkDecisions`).
  public var kept: String?
  /// Who decided: "authority" (a manifest's "forks") or "origin" (the forked node's operator).
  public var decidedBy: String?
  /// The origin's own decisions name different changes: only the authority can decide now.
  public var contested: Bool = false
}

public struct StatusView: Codable, Sendable, Equatable {
  public var node: String
  public var changes: Int
  public var stubs: Int
  public var versionVector: [String: UInt64]
  public var subjects: Int
  public var leads: Int
  public var refusedOperations: Int
  public var forks: [ForkView]
  public var quarantined: [String]
  /// Changes taken out of the log by fork decisions, kept as evidence.
  public var superseded: [SupersededChangeView]
  /// Changes the revocation rule withholds (`RevocationRule`), with why.
  public var withheld: [WithheldChangeView]
  public var projectionDigest: String
  public var changeSetDigest: String
  public var heldChangesDigest: String
}

public struct AuditFailure: Codable, Sendable, Equatable {
  public var change: String
  public var origin: String
  public var sequence: Int64
  public var code: String
  public var message: String
}

public struct AuditReport: Codable, Sendable {
  public var changesChecked: Int
  public var stubs: Int
  public var failures: [AuditFailure]
  public var refusedOperations: [OperationRefusal]
  public var forks: [ForkView]
  public var quarantined: [String]
  /// What SQLite's integrity check found wrong with the database file; empty when it is sound.
  public var databaseProblems: [String] = []
  /// How many evidence files were read and hashed again; nil when `--quick` skipped them.
  public var filesChecked: Int? = nil
  /// Evidence files found altered or missing, now or earlier, not yet fetched again.
  public var damagedFiles: [DamagedFile] = []
  /// Changes the revocation rule withholds (`RevocationRule`): facts of the log, not damage.
  public var withheld: [WithheldChangeView] = []
  public var ok: Bool { failures.isEmpty && databaseProblems.isEmpty && damagedFiles.isEmpty }

  public init(
    changesChecked: Int = 0, stubs: Int = 0, failures: [AuditFailure] = [],
    refusedOperations: [OperationRefusal] = [], forks: [ForkView] = [], quarantined: [String] = []
  ) {
    self.changesChecked = changesChecked
    self.stubs = stubs
    self.failures = failures
    self.refusedOperations = refusedOperations
    self.forks = forks
    self.quarantined = quarantined
  }
}

extension HLCTimestamp {
  /// The wall-clock part as an ISO 8601 instant, for people.
  public var iso8601: String {
    Date(timeIntervalSince1970: TimeInterval(wallMillis) / 1000).iso8601
  }
}
