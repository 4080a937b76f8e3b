import Foundation
import LiandongCore

/// The store's role for evidence files: which files are complete, which transfers are under way
/// and how far each is durable, and the facts that decide who may be served a file. `BlobStore`
/// keeps the files themselves and asks this index; the SQLite store implements it
/// (`NodeStore+BlobIndex.swift`), and so must any other backend.
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
}

/// The evidence files a node holds, for its operator's metrics.
public struct BlobCounts: Sendable, Equatable {
  public var held: Int
  public var heldBytes: Int64
  public var partial: Int

  public init(held: Int, heldBytes: Int64, partial: Int) {
    self.held = held
    self.heldBytes = heldBytes
    self.partial = partial
  }
}
