import LiandongCore
import LiandongErrors

/// What an act or a read needs of the person asking.
public enum Permission: String, Sendable {
  /// Leads, evidence, requests, hand-offs: case content.
  case readCases
  /// Record and act on cases.
  case actOnCases
  /// The node's own state: status, peers, certificates (no case content).
  case readNode
  /// Add, disable and issue credentials for this node's accounts.
  case manageAccounts
  /// The node's metrics (`/metrics`), when the API is not on loopback.
  case readMetrics
  /// Run the node as its operator: its peers, the CA's revocation list, backups, verification,
  /// and which change of a fork of its own chain stands.
  case operateNode
  /// What the rules reserve to a leader of the bureau (DOMAIN.md): approving or refusing a
  /// transfer to police.
  case approveAsLeader
}

extension OfficerRole {
  /// The roles of DOMAIN.md: an operator runs the node but sees no case content; an auditor reads
  /// everything and acts on nothing.
  public func may(_ permission: Permission) -> Bool {
    switch (self, permission) {
    case (.officer, .manageAccounts), (.supervisor, .manageAccounts): false
    case (.officer, .readMetrics), (.supervisor, .readMetrics): false
    case (.officer, .operateNode), (.supervisor, .operateNode): false
    case (.officer, .approveAsLeader): false
    case (.officer, _), (.supervisor, _): true
    case (.operator, .readNode), (.operator, .manageAccounts), (.operator, .readMetrics): true
    case (.operator, .operateNode): true
    case (.operator, _): false
    case (.auditor, .readCases), (.auditor, .readNode): true
    case (.auditor, .actOnCases), (.auditor, .manageAccounts), (.auditor, .readMetrics): false
    case (.auditor, .operateNode), (.auditor, .approveAsLeader): false
    }
  }
}

/// An authenticated account, as the API and the console act for it. Every change it
/// makes names the account as the officer.
public struct Caller: Sendable, Equatable, Codable {
  public var account: String
  public var role: OfficerRole
  /// For a browser session, the token its forms send back; nil for an API token.
  public var csrfToken: String?

  public init(account: String, role: OfficerRole, csrfToken: String? = nil) {
    self.account = account
    self.role = role
    self.csrfToken = csrfToken
  }

  public var officer: Officer { Officer(account) }

  public func may(_ permission: Permission) -> Bool { role.may(permission) }

  public func require(_ permission: Permission) throws {
    guard role.may(permission) else {
      throw UsageError(
        code: "auth.not-permitted",
        message:
          "account \(account) is a\(role == .officer || role == .operator || role == .auditor ? "n" : "") \(role), which may not \(permission.phrase)"
      )
    }
  }
}

extension Permission {
  var phrase: String {
    switch self {
    case .readCases: "read case content"
    case .actOnCases: "record or act on cases"
    case .readNode: "read the node's state"
    case .manageAccounts: "manage this node's accounts"
    case .readMetrics: "read the node's metrics"
    case .operateNode: "operate this node (peers, CRL, backups, verification, forks of its chain)"
    case .approveAsLeader: "approve or refuse as the bureau's leader"
    }
  }
}
