import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

/// The file format: a sequence of SignedChange messages, each prefixed by its length as a
/// protobuf varint (swift-protobuf's "binary delimited" form).
public enum ChangeFile {
  public static func write(_ changes: [SignedChange], to url: URL, replacing: Bool = false) throws {
    if !replacing && FileManager.default.fileExists(atPath: url.path) {
      throw UsageError(
        code: "usage.file-exists",
        message: "\(url.path) exists; name a new file, or pass --force to replace it")
    }
    var data = Data()
    for change in changes {
      let bytes = WireCoding.encode(change)
      var length = UInt64(bytes.count)
      repeat {
        var byte = UInt8(length & 0x7f)
        length >>= 7
        if length > 0 { byte |= 0x80 }
        data.append(byte)
      } while length > 0
      data.append(bytes)
    }
    do { try data.write(to: url, options: .atomic) } catch {
      throw StoreError.unwritableFile(path: url.path, reason: SystemError.reason(error))
    }
  }

  public static func read(_ url: URL, maximumChangeBytes: Int = 64 << 20) throws -> [SignedChange] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw UsageError(
        code: "input.file", message: "cannot read \(url.path): \(SystemError.reason(error))")
    }
    var changes: [SignedChange] = []
    var index = data.startIndex
    while index < data.endIndex {
      var length: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard index < data.endIndex, shift < 64 else {
          throw UsageError(
            code: "input.change-file", message: "\(url.path) is truncated or not a change file")
        }
        let byte = data[index]
        index += 1
        length |= UInt64(byte & 0x7f) << shift
        if byte & 0x80 == 0 { break }
        shift += 7
      }
      guard length <= UInt64(maximumChangeBytes), Int(length) <= data.endIndex - index else {
        throw UsageError(
          code: "input.change-file",
          message: "\(url.path): a record claims \(length) bytes; the file is damaged")
      }
      let end = index + Int(length)
      changes.append(try WireCoding.decode(data.subdata(in: index..<end)))
      index = end
    }
    return changes
  }
}

/// What `importChanges` did with each change of a file.
public struct ChangeImportResult: Encodable, Sendable {
  public var stored = 0
  public var bodiesFilled = 0
  public var duplicates = 0
  public var refused: [String] = []
  public var forks: [String] = []
}

extension NodeApp {
  /// Every change this node holds, written for `recipient`: bodies only where it is in the
  /// change's audience, stubs otherwise (an air-gapped transfer never leaks what sync would not).
  public func exportChanges(for recipient: NodeID, to url: URL, replacing: Bool = false) throws
    -> [SignedChange]
  {
    let changes = try store.changes(after: [:]).map {
      $0.header.audience.includes(recipient, origin: $0.header.origin) ? $0 : $0.stub
    }
    try ChangeFile.write(changes, to: url, replacing: replacing)
    return changes
  }

  /// Verifies and stores the changes of a file, as a sync would.
  public func importChanges(from url: URL, now: Date = Date()) throws -> ChangeImportResult {
    let changes = try ChangeFile.read(url)
    var result = ChangeImportResult()
    for outcome in try store.ingest(changes, verifier: local.verifier, physicalMillis: now.unixMillis) {
      switch outcome {
      case .stored: result.stored += 1
      case .bodyFilled: result.bodiesFilled += 1
      case .duplicate: result.duplicates += 1
      case .refused(let refusal): result.refused.append("[\(refusal.code)] \(refusal.description)")
      case .forkDetected(let refusal): result.forks.append("[\(refusal.code)] \(refusal.description)")
      }
    }
    return result
  }
}
