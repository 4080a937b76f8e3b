import Foundation

/// A Foundation or POSIX error in plain words ("no such file or directory"), never Foundation's
/// own text ("The operation could not be completed. (NSCocoaErrorDomain error 260.)"), so that
/// every layer can name a file's problem in a message a person reads.
public enum SystemError {
  /// The reason alone; a message names the file itself.
  public static func reason(_ error: any Error) -> String {
    if let coded = error as? any CodedError { return coded.description }
    if let decoding = error as? DecodingError { return reason(decoding) }
    guard let posix = posixCode(error) else {
      return "the operation failed (\(String(reflecting: type(of: error))))"
    }
    return String(cString: strerror(posix)).lowercased()
  }

  /// The POSIX error a Foundation file error stands for, if any.
  public static func posixCode(_ error: any Error) -> Int32? {
    let nsError = error as NSError
    if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return Int32(underlying.code)
    }
    guard nsError.domain == NSCocoaErrorDomain else { return nil }
    switch nsError.code {
    case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return ENOENT
    case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return EACCES
    case NSFileWriteOutOfSpaceError: return ENOSPC
    case NSFileWriteVolumeReadOnlyError: return EROFS
    case NSFileWriteFileExistsError: return EEXIST
    case NSFileReadTooLargeError: return EFBIG
    case NSFileReadCorruptFileError, NSFileReadUnknownError, NSFileWriteUnknownError: return EIO
    default: return nil
    }
  }

  /// The path Foundation names in a file error, if any.
  public static func path(_ error: any Error) -> String? {
    let info = (error as NSError).userInfo
    return (info[NSFilePathErrorKey] as? String) ?? (info[NSURLErrorKey] as? URL)?.path
  }

  /// A JSON document that does not decode: what is wrong, and where.
  static func reason(_ error: DecodingError) -> String {
    func place(_ path: [any CodingKey]) -> String {
      path.isEmpty
        ? "the top level"
        : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "'\(key.stringValue)' is missing at \(place(context.codingPath))"
    case .typeMismatch(let type, let context):
      return "\(place(context.codingPath)) should be \(describe(type))"
    case .valueNotFound(let type, let context):
      return "\(place(context.codingPath)) should be \(describe(type)), not null"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty ? "it is not valid JSON" : "\(place(context.codingPath)) is not valid"
    @unknown default: return "it does not decode"
    }
  }

  private static func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type, is Double.Type, is UInt64.Type: "a number"
    case is Bool.Type: "true or false"
    default: "a \(type)"
    }
  }
}
