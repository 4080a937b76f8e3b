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
  /// Whether the file is on the disk with the size it was stored with: a stat (a HEAD request
  /// to an object store), cheap enough to run before every serving, and catches a deleted or
  /// truncated file. Throws when the object store cannot be asked, which says nothing of the file.
  public func quickCheck(_ file: HeldFile) throws(ObjectStoreError) -> BlobFinding? {
    let size: UInt64?
    do { size = try shelf.storedSize(of: file.sha256) } catch let error as ObjectStoreError {
      throw error
    } catch {
      return .unreadable(reason: (error as? any CodedError)?.message ?? SystemError.reason(error))
    }
    guard let size else { return .missing }
    return size == file.size ? nil : .sizeChanged(expected: file.size, actual: size)
  }

  /// Reads the whole file and compares its SHA-256 with its name. `onPiece` hears of every piece
  /// read (a megabyte at most), for progress.
  /// Throws when the object store holding it cannot be asked.
  public func check(_ file: HeldFile, onPiece: (Int) throws -> Void = { _ in }) throws -> BlobFinding? {
    let check = BlobCheck(self, file)
    while let piece = check.readNext() { try onPiece(piece) }
    if let unavailable = check.unavailable { throw unavailable }
    return check.finding
  }

  /// A check read a piece at a time, so that a background scrub can pace itself between pieces.
  public func startCheck(_ file: HeldFile) -> BlobCheck { BlobCheck(self, file) }

  /// Moves a damaged file out of the store, to `blobs/damaged/<sha256>-<time>` (or `damaged/`
  /// in the bucket): it is never served again, nor mistaken for a good copy when one arrives,
  /// and stays for whoever investigates what happened to the disk.
  func setAside(_ sha256: Data) throws { try shelf.setAside(sha256) }
}

/// One file's check in progress: `readNext` until it returns nil, then `finding` says what, if
/// anything, is wrong.
public final class BlobCheck {
  private let reader: BlobReader?
  private var early: BlobFinding?
  private var unreachable: ObjectStoreError?

  init(_ blobs: BlobStore, _ file: HeldFile) {
    do { early = try blobs.quickCheck(file) } catch { unreachable = error }
    reader = early == nil && unreachable == nil ? BlobReader(blobs, file) : nil
  }

  public var finding: BlobFinding? { early ?? reader?.finding }
  /// The object store holding the file could not be asked: the file was not checked.
  public var unavailable: ObjectStoreError? { unreachable ?? reader?.unavailable }

  /// Reads and hashes the next piece (a megabyte at most) and returns its size; nil once the
  /// file is read whole, or cannot be read.
  public func readNext() -> Int? { reader?.next()?.count }
}
