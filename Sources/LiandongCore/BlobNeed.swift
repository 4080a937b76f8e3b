import Foundation

/// An evidence blob this node lacks: its address, the size its evidence record gives, and where
/// a transfer resumes (the durable end of a partial copy).
public struct BlobNeed: Equatable, Sendable {
  public var sha256: Data
  public var size: UInt64
  public var offset: UInt64

  public init(sha256: Data, size: UInt64, offset: UInt64 = 0) {
    self.sha256 = sha256
    self.size = size
    self.offset = offset
  }
}
