import Foundation
import LiandongCrypto
import LiandongErrors

/// A held file read from its start a megabyte at a time and hashed on the way: once it is read
/// whole, `finding` says whether it is still what its name says. Whoever hands the bytes on (a
/// download, a bundle, a scrub) learns of damage from the same read, with no second pass.
/// Unchecked Sendable: a download hands it to the task that writes the response, which alone
/// reads it from then on.
public final class BlobReader: @unchecked Sendable {
  public let file: HeldFile
  private let blobs: BlobStore
  private let hasher: StreamingHasher
  /// A folder shelf's file is kept open between pieces.
  private var handle: FileHandle?
  private var offset: UInt64 = 0
  private var ended = false
  public private(set) var finding: BlobFinding?
  /// The object store holding the file could not be asked: nothing is known of the file, which
  /// is not damage.
  public private(set) var unavailable: ObjectStoreError?

  init(_ blobs: BlobStore, _ file: HeldFile) {
    self.blobs = blobs
    self.file = file
    hasher = blobs.digest.hasher()
    if let local = blobs.shelf.localFile(file.sha256) {
      do { handle = try FileHandle(forReadingFrom: local) } catch {
        finding =
          SystemError.posixCode(error) == ENOENT ? .missing : .unreadable(reason: SystemError.reason(error))
        ended = true
      }
    }
  }

  deinit { try? handle?.close() }

  /// The next piece; nil at the end, or once the file cannot be read (`finding` says why). The
  /// hash is settled as the last piece is read, before it is handed over.
  public func next() -> Data? {
    guard !ended else { return nil }
    let wanted = Int(min(UInt64(1 << 20), file.size - offset))
    let piece: Data
    do {
      piece = try readPiece(wanted)
    } catch let error as ObjectStoreError {
      unavailable = error
      end()
      return nil
    } catch {
      finding = .unreadable(reason: (error as? any CodedError)?.message ?? SystemError.reason(error))
      end()
      return nil
    }
    guard !piece.isEmpty else {
      end()
      finding = .sizeChanged(expected: file.size, actual: offset)
      return nil
    }
    hasher.update(piece)
    offset += UInt64(piece.count)
    if offset == file.size { settle() }
    return piece
  }

  /// At the size the file was stored with: anything beyond it, or another hash, is damage.
  private func settle() {
    defer { end() }
    let beyond: Data
    do { beyond = try readPiece(1) } catch let error as ObjectStoreError {
      unavailable = error
      return
    } catch {
      finding = .unreadable(reason: (error as? any CodedError)?.message ?? SystemError.reason(error))
      return
    }
    let actual = hasher.finalize()
    if !beyond.isEmpty {
      let size = (try? blobs.shelf.storedSize(of: file.sha256)) ?? nil
      finding = .sizeChanged(expected: file.size, actual: size ?? file.size + 1)
    } else if actual != file.sha256 {
      finding = .contentChanged(actualSHA256: actual.hex)
    }
  }

  private func readPiece(_ count: Int) throws -> Data {
    if let handle { return try handle.read(upToCount: count) ?? Data() }
    return try blobs.shelf.read(file.sha256, offset: offset, maximumBytes: count)
  }

  /// The next piece, or nil at the end of a file that matched its hash; throws once the file
  /// proves damaged, withholding the last piece, so that whoever was sent the bytes before
  /// (a download of known length) is cut short rather than handed other bytes as the evidence.
  public func nextChecked() throws -> Data? {
    let piece = next()
    if let unavailable { throw unavailable }
    if let finding { throw BlobError.damaged(sha256: file.sha256.hex, finding: finding.description) }
    return piece
  }

  /// `nextChecked` on a thread of Dispatch's, for a download's task: a piece from an object store
  /// is a network request, which must not hold one of the few threads that async tasks share
  /// (on two cores, two) while the store takes its time.
  public func nextCheckedInBackground() async throws -> Data? {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async { continuation.resume(with: Result { try self.nextChecked() }) }
    }
  }

  /// Writes what is read to a new file at `destination`, all of it; `finding` and `unavailable`
  /// say afterwards whether it was the evidence. Throws only for the destination's failures.
  public func write(to destination: URL) throws {
    guard FileManager.default.createFile(atPath: destination.path, contents: nil),
      let output = FileHandle(forWritingAtPath: destination.path)
    else {
      throw StoreError.unwritableFile(path: destination.path, reason: "cannot create the file")
    }
    defer { try? output.close() }
    do {
      while let piece = next() { try output.write(contentsOf: piece) }
    } catch {
      throw SystemError.posixCode(error) == ENOSPC
        ? StoreError.diskFull(path: destination.path)
        : StoreError.unwritableFile(path: destination.path, reason: SystemError.reason(error))
    }
  }

  private func end() {
    ended = true
    try? handle?.close()
    handle = nil
  }
}
