import Foundation
import LiandongCrypto

/// An evidence item (证据) as recorded in a change: what it is, how it was fixed, and the file's
/// SHA-256, which is also the address of the blob that carries the file itself.
public struct EvidenceRecord: Hashable, Sendable {
  /// The lead, request or case the evidence belongs to. It may be an object this node cannot see.
  public var itemID: ObjectID
  public var category: EvidenceCategory
  public var original: Bool
  public var howFixed: FixingMethod?
  public var fixedBy: String
  public var tool: String
  public var sourceURL: String
  /// ISO 8601 with an offset, as the officer gave it; empty if unknown.
  public var capturedAt: String
  public var fileName: String
  public var mediaType: String
  public var size: UInt64
  public var sha256: Data
  public var description: String

  public init(
    itemID: ObjectID, category: EvidenceCategory, original: Bool = false, howFixed: FixingMethod? = nil,
    fixedBy: String = "", tool: String = "", sourceURL: String = "", capturedAt: String = "",
    fileName: String, mediaType: String = "application/octet-stream", size: UInt64, sha256: Data,
    description: String = ""
  ) {
    self.itemID = itemID
    self.category = category
    self.original = original
    self.howFixed = howFixed
    self.fixedBy = fixedBy
    self.tool = tool
    self.sourceURL = sourceURL
    self.capturedAt = capturedAt
    self.fileName = fileName
    self.mediaType = mediaType
    self.size = size
    self.sha256 = sha256
    self.description = description
  }

  /// Refuses records whose file cannot be addressed or whose electronic data says not how it was
  /// fixed (Art. 31 requires it).
  public func validate() throws {
    guard sha256.count == 32 else {
      throw CoreError.invalidValue(field: "evidence SHA-256", value: sha256.hex, allowed: ["32 bytes"])
    }
    let name = fileName.trimmingSpaces
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
      throw CoreError.invalidValue(
        field: "evidence file name", value: fileName, allowed: ["a file name without folders"])
    }
    if category == .electronicData, howFixed == nil {
      throw CoreError.missingField("how the electronic data was fixed (--how-fixed)")
    }
    if !capturedAt.isEmpty, ISO8601DateFormatter().date(from: capturedAt) == nil {
      throw CoreError.invalidValue(
        field: "capture time", value: capturedAt,
        allowed: ["ISO 8601 with offset, e.g. 2026-11-20T14:05:00+08:00"])
    }
  }
}

/// One event in an evidence item's chain of custody, as the node that handled it signed it.
public struct CustodyRecord: Hashable, Sendable {
  public var event: CustodyEventKind
  public var note: String
  /// For `received`: nil if the hash was not checked, else whether it matched.
  public var hashMatched: Bool?
  /// For `handed-over`: to whom.
  public var holder: String

  public init(event: CustodyEventKind, note: String = "", hashMatched: Bool? = nil, holder: String = "") {
    self.event = event
    self.note = note
    self.hashMatched = hashMatched
    self.holder = holder
  }
}

/// An evidence item shared by a node that holds it with the nodes of the sharing change's
/// audience: the record travels again, so a holder outside the first audience can read it. The
/// first change's audience is never widened.
public struct EvidenceShare: Hashable, Sendable {
  /// The node that added the item.
  public var origin: NodeID
  public var record: EvidenceRecord
  public var addedBy: String
  public var added: HLCTimestamp

  public init(origin: NodeID, record: EvidenceRecord, addedBy: String, added: HLCTimestamp) {
    self.origin = origin
    self.record = record
    self.addedBy = addedBy
    self.added = added
  }
}
