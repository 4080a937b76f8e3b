import LiandongCrypto
import LiandongErrors

/// Errors of the pure core: bad identifiers, bad input, malformed changes.
public enum CoreError: CodedError, Equatable, Sendable {
  case invalidNodeID(String)
  case invalidUSCC(String, reason: String)
  case invalidDivisionCode(String, reason: String)
  case invalidDivisionList(String)
  case invalidObjectID(String)
  case invalidValue(field: String, value: String, allowed: [String])
  case invalidAudience(String, reason: String)
  case missingField(String)
  case tooLong(field: String, characters: Int, limit: Int)
  case invalidManifest(String)
  case unknownGroup(name: String, known: [String], version: Int)
  case duplicateColumn(String)
  case invalidDate(String, reason: String)

  public var code: String {
    switch self {
    case .invalidNodeID: "input.node-id"
    case .invalidUSCC: "input.uscc"
    case .invalidDivisionCode: "input.division-code"
    case .invalidDivisionList: "config.divisions"
    case .invalidObjectID: "input.object-id"
    case .invalidValue: "input.value"
    case .invalidAudience: "input.audience"
    case .missingField: "input.missing"
    case .tooLong: "input.too-long"
    case .invalidManifest: "manifest.invalid"
    case .unknownGroup: "input.group"
    case .duplicateColumn: "import.duplicate-column"
    case .invalidDate: "input.date"
    }
  }

  public var description: String {
    switch self {
    case .invalidNodeID(let id):
      "'\(id)' is not a node ID: use 2-32 characters from a-z, 0-9 and '-' (for example jjj, yrd, 310000)"
    case .invalidUSCC(let code, let reason):
      "'\(code)' is not a valid unified social credit code (USCC): \(reason)"
    case .invalidDivisionCode(let code, let reason):
      "'\(code)' is not a GB/T 2260 division code: \(reason)"
    case .invalidDivisionList(let reason): "the division list cannot be used: \(reason)"
    case .invalidObjectID(let id):
      "'\(id)' is not an object ID: expected a UUID such as 3f2b8c1e-..., or its first 8 or more characters"
    case .tooLong(let field, let characters, let limit):
      "the \(field) has \(characters) characters; at most \(limit) are kept"
    case .invalidValue(let field, let value, let allowed):
      "'\(value)' is not a valid \(field): use one of \(allowed.joined(separator: ", "))"
    case .invalidAudience(let text, let reason): "audience '\(text)' is not valid: \(reason)"
    case .missingField(let field): "\(field) is required"
    case .invalidDate(let text, let reason): "'\(text)' is not a date: \(reason)"
    case .duplicateColumn(let name):
      "the CSV header names the column \(name) twice; each column may appear once"
    case .invalidManifest(let reason): "the federation manifest is not valid: \(reason)"
    case .unknownGroup(let name, let known, let version):
      "the federation manifest (version \(version)) has no sharing group '\(name)'; its groups: "
        + (known.isEmpty ? "none" : known.joined(separator: ", "))
    }
  }
}
