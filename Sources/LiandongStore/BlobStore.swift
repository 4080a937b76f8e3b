import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors

/// Evidence files, content-addressed by SHA-256, under the node's `blobs/` folder or, for a hub,
/// in an object store (`BlobShelf`):
///
///     blobs/ab/abcdef...        a complete file, named by its hash (or the object ab/abcdef...)
///     blobs/partial/abcdef...   a transfer under way
///
/// A file becomes complete only by a rename after its hash matched, and the blob index records it
/// in the same step; a transfer's durable offset is in the index too, so a cut transfer resumes
/// where its data was last made durable. The files live here; what is known about them lives in
/// the store behind `BlobIndex`. Files are streamed in pieces: memory
/// stays flat whatever their size.
public final class BlobStore: Sendable {
  /// The data folder's `blobs/`: complete files on a folder shelf, and always what is staged.
  public let directory: URL
  let index: any BlobIndex
  /// Where complete files are kept.
  let shelf: any BlobShelf
  /// The hash files are addressed and checked by: the federation suite's (SHA-256, or SM3 in an
  /// `sm` federation), the one evidence records carry. Field names say `sha256` from before.
  public let digest: DigestAlgorithm

  /// How much a transfer writes between two fsyncs of its partial file.
  static let checkpointBytes: UInt64 = 4 << 20

  public convenience init(directory: URL, index: any BlobIndex, digest: DigestAlgorithm = .sha256) {
    self.init(directory: directory, index: index, digest: digest, shelf: FolderShelf(directory: directory))
  }

  init(directory: URL, index: any BlobIndex, digest: DigestAlgorithm, shelf: any BlobShelf) {
    self.directory = directory
    self.index = index
    self.digest = digest
    self.shelf = shelf
  }

  func partialURL(_ sha256: Data) -> URL {
    directory.appendingPathComponent("partial").appendingPathComponent(sha256.hex)
  }

  /// The complete blob's file on this disk; nil while it is not held, or when files are kept in
  /// an object store.
  public func file(_ sha256: Data) throws -> URL? {
    try isComplete(sha256) ? shelf.localFile(sha256) : nil
  }

  /// Where a complete blob is, for a person (a path, or an object's address); nil while not held.
  public func location(_ sha256: Data) throws -> String? {
    try isComplete(sha256) ? shelf.location(of: sha256) : nil
  }

  /// A complete blob read from the start and checked against its hash as it is read; nil while
  /// not held.
  public func reader(_ sha256: Data) throws -> BlobReader? {
    guard let size = try index.completeSize(of: sha256) else { return nil }
    return BlobReader(self, HeldFile(sha256: sha256, size: size))
  }

  /// Where complete files are kept, for doctor: the `blobs/` folder or the bucket's address;
  /// with `ifObjectStore`, nil for the folder.
  public func shelfDescription(ifObjectStore: Bool = false) -> String? {
    guard let objects = shelf as? ObjectShelf else { return ifObjectStore ? nil : directory.path }
    return "\(objects.client.endpoint)/\(objects.client.access.bucket)"
  }

  /// Asks the object store whether its bucket is there and may be used; nothing to ask of a folder.
  public func checkShelf() throws {
    try (shelf as? ObjectShelf)?.client.checkBucket()
  }

  public func isComplete(_ sha256: Data) throws -> Bool {
    try index.completeSize(of: sha256) != nil
  }

  // MARK: Files added on this node

  /// Copies a file into the store while hashing it; returns its address and size. Importing a
  /// file already held is harmless. Only a regular file is evidence: a named pipe would block
  /// forever, a device or a folder has no content to fix. A file that changes while it is read
  /// (still being downloaded or written) is refused, since its hash would match neither version.
  /// A failure to write is the node's disk, never the source file's fault.
  public func importFile(_ source: URL) throws -> (sha256: Data, size: UInt64) {
    // Non-blocking, so that opening a named pipe returns at once to be refused by its type.
    let descriptor = open(source.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw BlobError.unreadable(path: source.path, reason: String(cString: strerror(errno)).lowercased())
    }
    let input = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    defer { try? input.close() }
    let before = try SourceFile(descriptor: descriptor, path: source.path)
    let temporary = directory.appendingPathComponent("partial").appendingPathComponent(
      "import-\(UUID().uuidString)")
    let output = try createFile(temporary)
    func fail(_ error: BlobError) -> BlobError {
      try? output.close()
      try? FileManager.default.removeItem(at: temporary)
      return error
    }
    let sha256: Data
    let size: UInt64
    do {
      (sha256, size) = try HashingCopy(digest).run(from: descriptor, to: output.fileDescriptor)
    } catch .read(let code) {
      throw fail(.unreadable(path: source.path, reason: String(cString: strerror(code)).lowercased()))
    } catch .write(let code) {
      throw fail(
        code == ENOSPC
          ? .diskFull(path: directory.path)
          : .io(path: directory.path, reason: String(cString: strerror(code))))
    }
    do {
      try output.synchronize()
      try output.close()
    } catch {
      throw fail(Self.writeFailure(error, path: directory.path))
    }
    let after = try? SourceFile(path: source.path)
    guard after == before, size == before.size else {
      throw fail(.changedWhileRead(path: source.path))
    }
    do { try moveIntoPlace(temporary, sha256: sha256, size: size) } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
    return (sha256, size)
  }

  /// Takes a file written and hashed elsewhere on this disk (an upload, made durable) into the
  /// store under its hash, by a rename (or one upload to the object store): it is not hashed again.
  public func adopt(_ file: URL, sha256: Data, size: UInt64) throws {
    try moveIntoPlace(file, sha256: sha256, size: size)
  }

  private static func writeFailure(_ error: any Error, path: String) -> BlobError {
    SystemError.posixCode(error) == ENOSPC
      ? .diskFull(path: path) : .io(path: path, reason: SystemError.reason(error))
  }

  // MARK: Serving

  /// Whether `peer` may have the blob: it must be in the audience of a change this node holds
  /// (with its body) that adds evidence with this hash, or one that a holder shared it with by a
  /// signed act. Invariant 3 of DESIGN.md. A transfer resumes at `offset`, which must lie
  /// within the file.
  public func decideServing(_ sha256: Data, to peer: NodeID, from offset: UInt64 = 0) throws
    -> ServingDecision
  {
    guard try index.mayServe(sha256, to: peer) else {
      return .refuse(
        code: "blob.not-entitled",
        message: "\(peer) is not in the audience of any evidence with SHA-256 \(sha256.hex)")
    }
    guard let size = try index.completeSize(of: sha256) else {
      return .refuse(code: "blob.unavailable", message: "this node does not hold blob \(sha256.hex) complete")
    }
    guard offset <= size else {
      return .refuse(code: "blob.bad-offset", message: "offset \(offset) is past the blob's \(size) bytes")
    }
    return .serve(size: size)
  }

  /// Up to `maximumBytes` of a complete blob from `offset`.
  public func read(_ sha256: Data, offset: UInt64, maximumBytes: Int) throws -> Data {
    try shelf.read(sha256, offset: offset, maximumBytes: maximumBytes)
  }

  // MARK: Receiving

  /// Blobs that evidence this node can read refers to and that it does not hold complete, with
  /// where a transfer of each would resume.
  public func missing(limit: Int = 1000) throws -> [BlobNeed] {
    try index.missingFiles(limit: limit)
  }

  /// Opens (or resumes) the partial file of a transfer at its durable offset; bytes written after
  /// the last checkpoint are dropped, since they may not have reached the disk.
  public func receive(_ need: BlobNeed) throws -> BlobReceiver {
    let url = partialURL(need.sha256)
    try Self.makeFolder(url.deletingLastPathComponent())
    // One transfer per blob at a time, across sessions and processes: the partial file is locked
    // before anything is read or cut from it, and closed on exec so no child can keep the lock.
    let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw BlobError.io(path: url.path, reason: String(cString: strerror(errno)))
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw BlobError.busy(sha256: need.sha256.hex)
    }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    let durable = try index.durableOffset(of: need.sha256)
    if durable == nil { try index.beginTransfer(of: need.sha256, size: need.size) }
    // Bytes past the last checkpoint may not have reached the disk: they are dropped.
    let resumed = min(durable ?? 0, try handle.seekToEnd())
    try handle.truncate(atOffset: resumed)
    // The hash runs along with the transfer, so the file is not read again at the end; a resumed
    // transfer first hashes what it kept.
    let hasher = digest.hasher()
    try handle.seek(toOffset: 0)
    var hashed: UInt64 = 0
    while hashed < resumed, let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
      hasher.update(piece)
      hashed += UInt64(piece.count)
    }
    return try BlobReceiver(blobs: self, need: need, handle: handle, offset: resumed, hasher: hasher)
  }

  func checkpoint(_ sha256: Data, durableOffset: UInt64) throws {
    try index.recordDurableOffset(durableOffset, of: sha256)
  }

  func discardPartial(_ sha256: Data) throws {
    try? FileManager.default.removeItem(at: partialURL(sha256))
    try index.forgetTransfer(of: sha256)
  }

  /// Shelves a durable file whose hash is `sha256` and records it complete.
  func moveIntoPlace(_ file: URL, sha256: Data, size: UInt64) throws {
    try shelf.shelve(file, sha256: sha256, size: size)
    try index.recordComplete(sha256, size: size)
  }

  /// Creates `folder` and its parents if need be (a blob store is made as files arrive).
  static func makeFolder(_ folder: URL) throws {
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
      throw BlobError.io(path: folder.path, reason: SystemError.reason(error))
    }
  }

  private func createFile(_ url: URL) throws -> FileHandle {
    try Self.makeFolder(url.deletingLastPathComponent())
    do {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw BlobError.io(path: url.path, reason: "cannot create the file")
      }
      return try FileHandle(forUpdating: url)
    } catch let error as BlobError {
      throw error
    } catch {
      throw BlobError.io(path: url.path, reason: SystemError.reason(error))
    }
  }

  /// A rename is durable only once its folder is synchronised.
  static func synchronizeDirectory(_ folder: URL) throws {
    let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw BlobError.io(path: folder.path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else {
      throw BlobError.io(path: folder.path, reason: String(cString: strerror(errno)))
    }
  }
}

public enum ServingDecision: Equatable, Sendable {
  case serve(size: UInt64)
  case refuse(code: String, message: String)
}

/// One transfer's partial file. Used by one task at a time (the sync driver's), in order.
public final class BlobReceiver: @unchecked Sendable {
  public let need: BlobNeed
  /// How many bytes the partial file holds.
  public private(set) var offset: UInt64
  private let blobs: BlobStore
  private let handle: FileHandle
  private let appender: DirectAppender
  private let hasher: StreamingHasher
  private var unsynchronized: UInt64 = 0

  init(blobs: BlobStore, need: BlobNeed, handle: FileHandle, offset: UInt64, hasher: StreamingHasher) throws {
    self.blobs = blobs
    self.need = need
    self.handle = handle
    self.offset = offset
    self.hasher = hasher
    appender = try DirectAppender(
      path: blobs.partialURL(need.sha256).path, buffered: handle.fileDescriptor, end: offset)
  }

  deinit { try? handle.close() }

  /// Appends the next piece. A piece that does not continue the file, or runs past the size the
  /// evidence record gives, is refused before anything is written.
  public func append(_ data: Data, at position: UInt64) throws {
    guard position == offset else {
      throw BlobError.outOfOrder(sha256: need.sha256.hex, expected: offset, received: position)
    }
    guard offset + UInt64(data.count) <= need.size else {
      throw BlobError.tooLong(sha256: need.sha256.hex, size: need.size)
    }
    try appender.append(data)
    hasher.update(data)
    offset += UInt64(data.count)
    unsynchronized += UInt64(data.count)
    if unsynchronized >= BlobStore.checkpointBytes {
      try appender.synchronize()
      try blobs.checkpoint(need.sha256, durableOffset: offset)
      unsynchronized = 0
    }
  }

  /// After the last piece: checks the hash taken along the way; moves the file into place if it
  /// matches, else discards it so that the next transfer starts again from the beginning.
  public func finish() throws -> BlobReceipt {
    try appender.synchronize()
    try handle.close()
    let actual = hasher.finalize()
    guard actual == need.sha256, offset == need.size else {
      try blobs.discardPartial(need.sha256)
      return .mismatch(actualSHA256: actual.hex, size: offset)
    }
    try blobs.moveIntoPlace(blobs.partialURL(need.sha256), sha256: need.sha256, size: offset)
    return .complete(size: offset)
  }

  /// The sender refused or the session ended: keep what is durable for the next attempt.
  public func suspend() throws {
    try appender.synchronize()
    try blobs.checkpoint(need.sha256, durableOffset: offset)
  }
}

public enum BlobReceipt: Equatable, Sendable {
  case complete(size: UInt64)
  case mismatch(actualSHA256: String, size: UInt64)
}

public enum BlobError: CodedError, Sendable {
  case unreadable(path: String, reason: String)
  case io(path: String, reason: String)
  case outOfOrder(sha256: String, expected: UInt64, received: UInt64)
  case tooLong(sha256: String, size: UInt64)
  case busy(sha256: String)
  case notAFile(path: String, kind: String)
  case changedWhileRead(path: String)
  case empty(path: String)
  case diskFull(path: String)
  /// A held file read back did not match its hash or size.
  case damaged(sha256: String, finding: String)

  public var code: String {
    switch self {
    case .unreadable: "blob.unreadable"
    case .io: "blob.io"
    case .outOfOrder: "blob.out-of-order"
    case .tooLong: "blob.too-long"
    case .busy: "blob.busy"
    case .notAFile: "evidence.not-a-file"
    case .changedWhileRead: "evidence.changed-while-read"
    case .empty: "evidence.empty"
    case .diskFull: "node.disk-full"
    case .damaged: "blob.damaged"
    }
  }

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
    case .io(let path, let reason): "cannot write \(path): \(reason)"
    case .outOfOrder(let sha256, let expected, let received):
      "blob \(sha256.prefix(12)): a piece at offset \(received) arrived where \(expected) was due"
    case .busy(let sha256):
      "blob \(sha256.prefix(12)) is being received by another session; it is left to that one"
    case .tooLong(let sha256, let size):
      "blob \(sha256.prefix(12)): more data arrived than the \(size) bytes its evidence record gives"
    case .notAFile(let path, let kind):
      "\(path) is \(kind), not a regular file; evidence is a file's fixed content"
    case .changedWhileRead(let path):
      "\(path) changed while it was being added (its size or modification time moved), so its hash "
        + "would match neither version; nothing was recorded"
    case .empty(let path): "\(path) is empty: there is no content to fix as evidence"
    case .diskFull(let path):
      "the disk holding \(path) is full; nothing was recorded: free space on it, then add the file again"
    case .damaged(let sha256, let finding): "the file \(sha256.prefix(12)) held here is damaged: \(finding)"
    }
  }
}

/// What identifies a file's content for a reader that cannot lock it: its type, size and
/// modification time, compared before and after the read.
struct SourceFile: Equatable {
  var size: UInt64
  var modifiedSeconds: Int
  var modifiedNanoseconds: Int
  var inode: UInt64

  init(descriptor: Int32, path: String) throws {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      throw BlobError.unreadable(path: path, reason: String(cString: strerror(errno)).lowercased())
    }
    try self.init(info, path: path)
  }

  init(path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw BlobError.unreadable(path: path, reason: String(cString: strerror(errno)).lowercased())
    }
    try self.init(info, path: path)
  }

  private init(_ info: stat, path: String) throws {
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw BlobError.notAFile(path: path, kind: "a folder")
    case S_IFIFO: throw BlobError.notAFile(path: path, kind: "a named pipe")
    case S_IFCHR, S_IFBLK: throw BlobError.notAFile(path: path, kind: "a device")
    case S_IFSOCK: throw BlobError.notAFile(path: path, kind: "a socket")
    default: throw BlobError.notAFile(path: path, kind: "a special file")
    }
    guard info.st_size > 0 else { throw BlobError.empty(path: path) }
    size = UInt64(info.st_size)
    modifiedSeconds = Int(info.st_mtim.tv_sec)
    modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    inode = UInt64(info.st_ino)
  }
}
