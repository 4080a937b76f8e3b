import Foundation

/// A small file replaced whole, with its mode from the first byte: a crash or a power cut leaves
/// the old content or the new, and a secret in it (a key, a password) is never readable by others
/// even for a moment.
enum DurableFile {
  /// Writes `data` beside `url` with `mode`, flushes it, and renames it into place.
  static func replace(_ url: URL, with data: Data, mode: Int) throws {
    // Named for this write alone: two processes on one folder (`serve` and a `sync`) may
    // replace the same file at once, and each must rename its own whole copy.
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
    guard
      FileManager.default.createFile(
        atPath: temporary.path, contents: data, attributes: [.posixPermissions: mode])
    else {
      throw StoreError.unwritableFile(path: temporary.path, reason: String(cString: strerror(errno)))
    }
    sync(temporary)
    do { try move(temporary, to: url) } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }

  /// Renames `source` onto `destination` and flushes the folder, so the rename survives a power cut.
  static func move(_ source: URL, to destination: URL) throws {
    guard Foundation.rename(source.path, destination.path) == 0 else {
      throw StoreError.unwritableFile(
        path: destination.path,
        reason: "cannot move \(source.lastPathComponent) into place: \(String(cString: strerror(errno)))")
    }
    sync(destination.deletingLastPathComponent())
  }

  /// Flushes a file or folder to the disk.
  static func sync(_ url: URL) {
    let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    _ = fsync(descriptor)
  }
}
