/// Every error Liandong raises: a stable, namespaced code (for scripts, logs, tests and peers), a
/// category (what the caller can do about it), a message for a person saying what was wrong, a
/// remedy saying what to do, and where it was raised. The command line prints
/// `error[code]: message` and the remedy, and exits with the category's status; the HTTP API
/// will answer with the category's status and the same fields.
///
/// Conforming types supply `code` and `description` (the message). The category and remedy come
/// from the one table of codes, `ErrorCatalogue`, so a code means the same thing wherever it is
/// raised; a type may override them when one case needs a more specific remedy.
public protocol CodedError: Error, CustomStringConvertible {
  var code: String { get }
  var category: ErrorCategory { get }
  var remedy: String { get }
  /// Where the error was raised: the module and type by default, a file and line where one is known.
  var raisedIn: String { get }
}

extension CodedError {
  public var category: ErrorCategory { ErrorCatalogue.entry(for: code)?.category ?? .internal }
  public var remedy: String { ErrorCatalogue.entry(for: code)?.remedy ?? ErrorCatalogue.reportDefect }
  public var raisedIn: String { String(reflecting: Self.self) }
  /// The message alone (the same text as `description`).
  public var message: String { description }
}
