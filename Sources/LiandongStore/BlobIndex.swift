import Foundation
import LiandongCore

/// The store's role for evidence files: which files are complete, which transfers are under way
/// and how far each is durable, and the facts that decide who may be served a file. `BlobStore`
/// keeps the files themselves and asks this index; both stores implement it with the same SQL
/// (`BlobIndex+SQL.swift`).
public protocol BlobIndex: Sendable {
  /// The size of the file if it is held complete.
  func completeSize(of sha256: Data) throws -> UInt64?
  /// Whether `peer` is in the audience of evidence naming this file (its origin counted), or a
  /// holder shared that evidence with it by a signed act.
  func mayServe(_ sha256: Data, to peer: NodeID) throws -> Bool
  /// Files that evidence this node can read refers to and that it does not hold complete, with
  /// where a transfer of each would resume.
  func missingFiles(limit: Int) throws -> [BlobNeed]
  /// How far a transfer's partial file is durable; nil when none was begun.
  func durableOffset(of sha256: Data) throws -> UInt64?
  func beginTransfer(of sha256: Data, size: UInt64) throws
  func recordDurableOffset(_ offset: UInt64, of sha256: Data) throws
  func forgetTransfer(of sha256: Data) throws
  /// The file is in place under its hash: complete, and no longer a transfer.
  func recordComplete(_ sha256: Data, size: UInt64) throws
  /// How many files are held complete and their bytes, and how many transfers are under way.
  func blobCounts() throws -> BlobCounts
  /// Files held complete, in hash order after `after`: a scrub walks them all, a page at a time.
  func heldFiles(after sha256: Data?, limit: Int) throws -> [HeldFile]
  /// The file was found altered or missing on disk: it is no longer held, so it is never served
  /// and is fetched again like any missing file; the finding is kept until a good copy is in
  /// place (`recordComplete`).
  func recordDamaged(_ sha256: Data, finding: String) throws
  /// Files found damaged and not yet replaced by a good copy.
  func damagedFiles() throws -> [DamagedFile]
}

/// A file the index holds complete, and the size it was when it was.
public struct HeldFile: Sendable, Equatable {
  public var sha256: Data
  public var size: UInt64

  public init(sha256: Data, size: UInt64) {
    self.sha256 = sha256
    self.size = size
  }
}

/// An evidence file this node held that was found altered or missing on its disk.
public struct DamagedFile: Codable, Sendable, Equatable {
  public var sha256: String
  /// What was found, in words: "missing", or what changed.
  public var finding: String
  public var foundAt: String

  public init(sha256: String, finding: String, foundAt: String) {
    self.sha256 = sha256
    self.finding = finding
    self.foundAt = foundAt
  }

  /// What the node had recorded, and what a check just found that it had not (a check on a
  /// read-only folder finds what it cannot record).
  public static func merged(recorded: [DamagedFile], found: [DamagedFile]) -> [DamagedFile] {
    recorded + found.filter { file in !recorded.contains { $0.sha256 == file.sha256 } }
  }
}

/// The evidence files a node holds, for its operator's metrics.
public struct BlobCounts: Sendable, Equatable {
  public var held: Int
  public var heldBytes: Int64
  public var partial: Int
  /// Files found altered or missing on this node's disk, not yet fetched again.
  public var damaged: Int

  public init(held: Int, heldBytes: Int64, partial: Int, damaged: Int = 0) {
    self.held = held
    self.heldBytes = heldBytes
    self.partial = partial
    self.damaged = damaged
  }
}
