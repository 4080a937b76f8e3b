import Foundation
import LiandongCrypto
import LiandongErrors

/// What a check of a file held complete found wrong with it.
public enum BlobFinding: Sendable, Equatable, CustomStringConvertible {
  case missing
  case sizeChanged(expected: UInt64, actual: UInt64)
  case contentChanged(actualSHA256: String)
  case unreadable(reason: String)

  public var description: String {
    switch self {
    case .missing: "the file is missing from the disk"
    case .sizeChanged(let expected, let actual): "the file is \(actual) bytes where \(expected) were stored"
    case .contentChanged(let actual): "the file's SHA-256 is now \(actual)"
    case .unreadable(let reason): "the file cannot be read: \(reason)"
    }
  }
}

extension BlobStore {
  /// Whether the file is on the disk with the size it was stored with: a stat, cheap enough to
  /// run before every serving, and catches a deleted or truncated file.
  public func quickCheck(_ file: HeldFile) -> BlobFinding? {
    var status = stat()
    guard stat(completeURL(file.sha256).path, &status) == 0 else {
      return errno == ENOENT ? .missing : .unreadable(reason: String(cString: strerror(errno)).lowercased())
    }
    return UInt64(status.st_size) == file.size
      ? nil : .sizeChanged(expected: file.size, actual: UInt64(status.st_size))
  }

  /// Reads the whole file and compares its SHA-256 with its name. `onPiece` hears of every piece
  /// read (a megabyte at most), for progress.
  public func check(_ file: HeldFile, onPiece: (Int) throws -> Void = { _ in }) throws -> BlobFinding? {
    let check = BlobCheck(self, file)
    while let piece = check.readNext() { try onPiece(piece) }
    return check.finding
  }

  /// A check read a piece at a time, so that a background scrub can pace itself between pieces.
  public func startCheck(_ file: HeldFile) -> BlobCheck { BlobCheck(self, file) }

  /// Moves a damaged file out of the store, to `blobs/damaged/<sha256>-<time>`: it is never
  /// served again, nor mistaken for a good copy when one arrives, and stays for whoever
  /// investigates what happened to the disk.
  func setAside(_ sha256: Data) throws {
    let source = completeURL(sha256)
    guard FileManager.default.fileExists(atPath: source.path) else { return }
    let folder = directory.appendingPathComponent("damaged")
    try Self.makeFolder(folder)
    let destination = folder.appendingPathComponent("\(sha256.hex)-\(Int(Date().timeIntervalSince1970))")
    if rename(source.path, destination.path) != 0 {
      throw BlobError.io(path: destination.path, reason: String(cString: strerror(errno)))
    }
  }
}

/// One file's check in progress: `readNext` until it returns nil, then `finding` says what, if
/// anything, is wrong.
public final class BlobCheck {
  private var handle: FileHandle?
  private let hasher: StreamingHasher
  private let file: HeldFile
  private var read: UInt64 = 0
  public private(set) var finding: BlobFinding?

  init(_ blobs: BlobStore, _ file: HeldFile) {
    self.file = file
    hasher = blobs.digest.hasher()
    if let finding = blobs.quickCheck(file) {
      self.finding = finding
      return
    }
    do { handle = try FileHandle(forReadingFrom: blobs.completeURL(file.sha256)) } catch {
      finding = .unreadable(reason: SystemError.reason(error))
    }
  }

  deinit { try? handle?.close() }

  /// Reads and hashes the next piece (a megabyte at most) and returns its size; nil once the
  /// file is read whole, or cannot be read.
  public func readNext() -> Int? {
    guard let handle else { return nil }
    do {
      if let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
        hasher.update(piece)
        read += UInt64(piece.count)
        return piece.count
      }
    } catch {
      finding = .unreadable(reason: SystemError.reason(error))
      close()
      return nil
    }
    close()
    let actual = hasher.finalize()
    if read != file.size {
      finding = .sizeChanged(expected: file.size, actual: read)
    } else if actual != file.sha256 {
      finding = .contentChanged(actualSHA256: actual.hex)
    }
    return nil
  }

  private func close() {
    try? handle?.close()
    handle = nil
  }
}
