import Foundation
import LiandongErrors

/// Where a node's complete evidence files are kept, each under its hash: the data folder's
/// `blobs/` (`FolderShelf`, the default) or an S3-compatible object store (`ObjectShelf`, for a
/// hub). Transfers under way and uploads stage on the local disk either way; a file is shelved
/// once whole, durable and checked.
protocol BlobShelf: Sendable {
  /// Takes a durable local file whose hash is `sha256` onto the shelf; the local file is gone
  /// when this returns, and the shelved one is durable.
  func shelve(_ file: URL, sha256: Data, size: UInt64) throws
  /// The size of the shelved file, or nil when it is not there.
  func storedSize(of sha256: Data) throws -> UInt64?
  /// Up to `maximumBytes` from `offset`; empty at the end.
  func read(_ sha256: Data, offset: UInt64, maximumBytes: Int) throws -> Data
  /// Moves a damaged file out of the way (kept for whoever investigates, never served).
  func setAside(_ sha256: Data) throws
  /// The file on this machine's disk, when the shelf is a folder.
  func localFile(_ sha256: Data) -> URL?
  /// Where a shelved file is, for a person: a path or an object's address.
  func location(of sha256: Data) -> String
}

/// The data folder's `blobs/ab/abcdef...`.
struct FolderShelf: BlobShelf {
  let directory: URL

  func completeURL(_ sha256: Data) -> URL {
    let hex = sha256.hex
    return directory.appendingPathComponent(String(hex.prefix(2))).appendingPathComponent(hex)
  }

  func shelve(_ file: URL, sha256: Data, size: UInt64) throws {
    let destination = completeURL(sha256)
    let folder = destination.deletingLastPathComponent()
    try BlobStore.makeFolder(folder)
    if rename(file.path, destination.path) != 0 {
      throw BlobError.io(path: destination.path, reason: String(cString: strerror(errno)))
    }
    try BlobStore.synchronizeDirectory(folder)
  }

  func storedSize(of sha256: Data) throws -> UInt64? {
    var status = stat()
    guard stat(completeURL(sha256).path, &status) == 0 else {
      if errno == ENOENT { return nil }
      throw BlobError.unreadable(
        path: completeURL(sha256).path, reason: String(cString: strerror(errno)).lowercased())
    }
    return UInt64(status.st_size)
  }

  func read(_ sha256: Data, offset: UInt64, maximumBytes: Int) throws -> Data {
    let handle = try FileHandle(forReadingFrom: completeURL(sha256))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    return try handle.read(upToCount: maximumBytes) ?? Data()
  }

  func setAside(_ sha256: Data) throws {
    let source = completeURL(sha256)
    guard FileManager.default.fileExists(atPath: source.path) else { return }
    let folder = directory.appendingPathComponent("damaged")
    try BlobStore.makeFolder(folder)
    let destination = folder.appendingPathComponent("\(sha256.hex)-\(Int(Date().timeIntervalSince1970))")
    if rename(source.path, destination.path) != 0 {
      throw BlobError.io(path: destination.path, reason: String(cString: strerror(errno)))
    }
  }

  func localFile(_ sha256: Data) -> URL? { completeURL(sha256) }

  func location(of sha256: Data) -> String { completeURL(sha256).path }
}
