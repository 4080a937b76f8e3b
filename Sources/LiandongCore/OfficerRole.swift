/// What a person at a bureau may do through the node (DOMAIN.md, "Roles at a bureau").
public enum OfficerRole: String, CanonicalName, Codable, CustomStringConvertible {
  /// Records and acts on cases.
  case officer
  /// Also approves what the rules reserve to a leader of the bureau.
  case supervisor
  /// Runs the node (peers, certificates, backups, accounts); sees no case content.
  case `operator`
  /// Reads everything, acts on nothing.
  case auditor
  public static let fieldName = "role"
}
