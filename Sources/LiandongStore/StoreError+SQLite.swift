import GRDB

extension StoreError {
  /// SQLite's own text ("SQLite error 14: unable to open database file") means nothing to an
  /// officer: every `DatabaseError` leaving the store becomes a coded error that names the file
  /// and what to do. Other errors pass through unchanged.
  static func translating(_ error: any Error, path: String) -> any Error {
    guard let failure = error as? DatabaseError else { return error }
    let shown = path.isEmpty ? "in memory" : path
    switch failure.resultCode {
    case .SQLITE_FULL: return StoreError.diskFull(path: shown)
    case .SQLITE_CANTOPEN:
      return StoreError.database(code: "store.cannot-open", path: shown, reason: "cannot be opened")
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError.database(
        code: "store.busy", path: shown, reason: "stayed locked by another process for 30 s")
    case .SQLITE_READONLY:
      return StoreError.database(
        code: "store.read-only", path: shown, reason: "may only be read, not written")
    case .SQLITE_IOERR:
      return StoreError.database(
        code: "store.io", path: shown, reason: "could not be read or written (I/O error)")
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
      return StoreError.database(
        code: "store.damaged", path: shown, reason: "is damaged or is not a database")
    default:
      return StoreError.database(
        code: "store.unexpected", path: shown,
        reason: "failed unexpectedly (result code \(failure.resultCode.rawValue))")
    }
  }

  /// Runs `body`, translating a `DatabaseError` it throws.
  static func translatingErrors<T>(path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw translating(error, path: path) }
  }
}
