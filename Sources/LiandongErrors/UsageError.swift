/// A request a use case refuses before anything is signed: a missing field, a step that makes
/// no sense here. Its code is one of `ErrorCatalogue`'s; `raisedIn` names the file and line.
public struct UsageError: CodedError, Sendable {
  public let code: String
  public let message: String
  public let raisedIn: String

  public init(code: String, message: String, fileID: String = #fileID, line: Int = #line) {
    self.code = code
    self.message = message
    raisedIn = "\(fileID):\(line)"
  }

  public var description: String { message }
}
