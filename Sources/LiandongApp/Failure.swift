import Foundation
import LiandongErrors

/// Any error, as a person sees it: a coded error passes through; a Foundation or POSIX error
/// becomes a coded one with a plain reason (never `NSCocoaErrorDomain` text); anything else is
/// `internal.unexpected`, whose raw text only `LIANDONG_DEBUG=1` shows. Every front end presents
/// errors through this one type, so the command line, the API and the console say the same.
public struct Failure: CodedError, Sendable {
  public let code: String
  public let category: ErrorCategory
  public let message: String
  public let remedy: String
  public let raisedIn: String

  public var description: String { message }

  public init(_ error: any Error) {
    if let failure = error as? Failure {
      self = failure
    } else if let coded = error as? any CodedError {
      self.init(
        code: coded.code, category: coded.category, message: coded.description, remedy: coded.remedy,
        raisedIn: coded.raisedIn)
    } else if let reason = Self.fileReason(error) {
      self.init(code: "file.unreadable", message: reason, raisedIn: String(reflecting: type(of: error)))
    } else {
      var message = "an unexpected failure (\(String(reflecting: type(of: error))))"
      if ProcessInfo.processInfo.environment["LIANDONG_DEBUG"] == "1" { message += ": \(error)" }
      self.init(code: "internal.unexpected", message: message, raisedIn: String(reflecting: type(of: error)))
    }
  }

  public init(code: String, message: String, raisedIn: String = #fileID) {
    let entry = ErrorCatalogue.entry(for: code)
    self.init(
      code: code, category: entry?.category ?? .internal, message: message,
      remedy: entry?.remedy ?? ErrorCatalogue.reportDefect, raisedIn: raisedIn)
  }

  init(code: String, category: ErrorCategory, message: String, remedy: String, raisedIn: String) {
    self.code = code
    self.category = category
    self.message = message
    self.remedy = remedy
    self.raisedIn = raisedIn
  }

  /// A file error's reason in plain words, naming the file where Foundation knows it.
  static func fileReason(_ error: any Error) -> String? {
    guard SystemError.posixCode(error) != nil else { return nil }
    let reason = SystemError.reason(error)
    return SystemError.path(error).map { "\($0): \(reason)" } ?? reason
  }
}
