import Foundation
import LiandongCore
import LiandongWire
import SwiftProtobuf

/// One message of the sync protocol (Protocol/sync.proto), decoded.
public enum SyncFrame: Equatable, Sendable {
  case hello(SyncHello)
  case batch(number: UInt64, changes: [SignedChange])
  case ack(BatchAcknowledgement)
  case done
  case failure(code: String, message: String)
  case blobRequest(sha256: Data, offset: UInt64)
  case blobChunk(sha256: Data, offset: UInt64, data: Data, last: Bool)
  case blobRefused(sha256: Data, code: String, message: String)
  case fetchDone
  case checkpoints([SignedCheckpoint])

  var name: String {
    switch self {
    case .hello: "Hello"
    case .batch: "ChangeBatch"
    case .ack: "BatchAck"
    case .done: "Done"
    case .failure: "Failure"
    case .blobRequest: "BlobRequest"
    case .blobChunk: "BlobChunk"
    case .blobRefused: "BlobRefused"
    case .fetchDone: "FetchDone"
    case .checkpoints: "Checkpoints"
    }
  }
}

public struct SyncHello: Equatable, Sendable {
  public var protocolVersion: UInt32
  public var node: String
  public var vector: [NodeID: UInt64]
  /// Per origin, the ID of the held change at the vector's sequence.
  public var heads: [NodeID: ChangeID]
  /// Stubs the sender may read: it asks for their bodies.
  public var wantedBodies: [ChangeID]
  /// Optional behaviour the sender offers within this protocol version (`PROTOCOL.md`).
  public var capabilities: [String]
  /// The sender's wall clock as it sent Hello (Unix milliseconds); nil from a node that does not
  /// tell it. Nothing in the session depends on it: `/metrics` and `liandong doctor` read it to
  /// show how far apart the nodes' clocks are.
  public var clockMillis: UInt64?
  /// Per signer, the time of the newest checkpoint the sender holds from it: the peer sends
  /// newer ones (with the "checkpoints" capability).
  public var checkpointMarks: [NodeID: UInt64]

  /// The most wanted bodies one Hello may list.
  public static let maximumWantedBodies = 1024
  /// The most signers one Hello may mark: far more nodes than a federation has.
  public static let maximumCheckpointMarks = 4096

  public init(
    protocolVersion: UInt32 = SyncSession.protocolVersion, node: String, vector: [NodeID: UInt64],
    heads: [NodeID: ChangeID] = [:], wantedBodies: [ChangeID] = [], capabilities: [String] = [],
    clockMillis: UInt64? = nil, checkpointMarks: [NodeID: UInt64] = [:]
  ) {
    self.clockMillis = clockMillis
    self.checkpointMarks = checkpointMarks
    self.protocolVersion = protocolVersion
    self.node = node
    self.vector = vector
    self.heads = heads
    self.wantedBodies = wantedBodies
    self.capabilities = capabilities
  }
}

public struct BatchAcknowledgement: Equatable, Sendable {
  public var number: UInt64
  public var stored: Int
  public var duplicates: Int
  /// "code: message" for each refused change ("" past the first 20, whose text is not sent).
  public var refusals: [String]
  /// Which changes were refused, and the code of each, in the order of `refusals`: the sender
  /// keeps them to say why a change has not reached this node. Empty from an older peer.
  public var refusedChanges: [RefusedChange]

  public init(
    number: UInt64, stored: Int, duplicates: Int, refusals: [String], refusedChanges: [RefusedChange] = []
  ) {
    self.number = number
    self.stored = stored
    self.duplicates = duplicates
    self.refusals = refusals
    self.refusedChanges = refusedChanges
  }
}

/// A change the receiver of a batch refused, and the stable code of why.
public struct RefusedChange: Equatable, Sendable {
  public var change: ChangeID
  public var code: String

  public init(change: ChangeID, code: String) {
    self.change = change
    self.code = code
  }
}

/// Frames on the wire: a 4-byte big-endian length, then a `Frame` message.
public enum FrameCoding {
  /// No frame may be larger: a batch is bounded well below it, and a peer announcing more is
  /// refused before anything is buffered.
  public static let maximumFrameBytes = 16 << 20
  /// A signed change takes more than 128 bytes (two SHA-256 digests in its header, a 64-byte
  /// signature at least), so no frame can carry more changes than this.
  public static let maximumChangesPerFrame = maximumFrameBytes / 128

  /// A frame as it goes on the wire: a 4-byte big-endian length, then `encodeBody`.
  public static func encode(_ frame: SyncFrame) -> Data {
    let body = encodeBody(frame)
    var framed = Data(capacity: body.count + 4)
    withUnsafeBytes(of: UInt32(body.count).bigEndian) { framed.append(contentsOf: $0) }
    framed.append(body)
    return framed
  }

  /// The `Frame` message alone, for a writer that puts the length in front itself (the node
  /// writes both straight into the buffer that goes to TLS, one copy fewer per blob chunk).
  public static func encodeBody(_ frame: SyncFrame) -> Data {
    var wire = Liandong_V1_Frame()
    switch frame {
    case .hello(let hello):
      var message = Liandong_V1_Hello()
      message.protocolVersion = hello.protocolVersion
      message.node = hello.node
      message.vector = hello.vector.sorted { $0.key < $1.key }.map {
        var entry = Liandong_V1_VectorEntry()
        entry.origin = $0.key.rawValue
        entry.sequence = $0.value
        entry.head = hello.heads[$0.key]?.bytes ?? Data()
        return entry
      }
      message.wantedBodies = hello.wantedBodies.map(\.bytes)
      message.capabilities = hello.capabilities
      message.clockMillis = hello.clockMillis ?? 0
      message.checkpoints = hello.checkpointMarks.sorted { $0.key < $1.key }.map {
        var mark = Liandong_V1_CheckpointMark()
        mark.node = $0.key.rawValue
        mark.timeMillis = $0.value
        return mark
      }
      wire.kind = .hello(message)
    case .batch(let number, let changes):
      var message = Liandong_V1_ChangeBatch()
      message.number = number
      message.changes = changes.map(WireCoding.wire)
      wire.kind = .batch(message)
    case .ack(let ack):
      var message = Liandong_V1_BatchAck()
      message.number = ack.number
      message.stored = UInt32(clamping: ack.stored)
      message.duplicates = UInt32(clamping: ack.duplicates)
      message.refused = UInt32(clamping: ack.refusals.count)
      message.refusals = Array(ack.refusals.prefix(20))
      message.refusedChanges = ack.refusedChanges.map { refused in
        var entry = Liandong_V1_RefusedChange()
        entry.change = refused.change.bytes
        entry.code = refused.code
        return entry
      }
      wire.kind = .ack(message)
    case .done:
      wire.kind = .done(Liandong_V1_Done())
    case .failure(let code, let text):
      var message = Liandong_V1_Failure()
      message.code = code
      message.message = text
      wire.kind = .failure(message)
    case .blobRequest(let sha256, let offset):
      var message = Liandong_V1_BlobRequest()
      message.sha256 = sha256
      message.offset = offset
      wire.kind = .blobRequest(message)
    case .blobChunk(let sha256, let offset, let data, let last):
      var message = Liandong_V1_BlobChunk()
      message.sha256 = sha256
      message.offset = offset
      message.data = data
      message.last = last
      wire.kind = .blobChunk(message)
    case .blobRefused(let sha256, let code, let text):
      var message = Liandong_V1_BlobRefused()
      message.sha256 = sha256
      message.code = code
      message.message = text
      wire.kind = .blobRefused(message)
    case .fetchDone:
      wire.kind = .fetchDone(Liandong_V1_FetchDone())
    case .checkpoints(let checkpoints):
      var message = Liandong_V1_Checkpoints()
      message.checkpoints = checkpoints.map(\.wire)
      wire.kind = .checkpoints(message)
    }
    return try! wire.serializedBytes()
  }

  static func decode(_ body: Data) throws(ProtocolError) -> SyncFrame {
    let wire: Liandong_V1_Frame
    do { wire = try Liandong_V1_Frame(serializedBytes: body) } catch {
      throw .malformedFrame(reason: "not a Frame message")
    }
    switch wire.kind {
    case .hello(let message):
      var vector: [NodeID: UInt64] = [:]
      var heads: [NodeID: ChangeID] = [:]
      for entry in message.vector {
        guard let origin = try? NodeID(entry.origin) else {
          throw .malformedFrame(
            reason: "the vector names '\(entry.origin.prefix(40))', which is not a node ID")
        }
        vector[origin] = entry.sequence
        if !entry.head.isEmpty {
          guard let head = ChangeID(bytes: entry.head) else {
            throw .malformedFrame(reason: "the head of \(origin) is not a 32-byte change ID")
          }
          heads[origin] = head
        }
      }
      guard message.wantedBodies.count <= SyncHello.maximumWantedBodies else {
        throw .malformedFrame(
          reason:
            "Hello asks for \(message.wantedBodies.count) bodies; at most \(SyncHello.maximumWantedBodies)")
      }
      var wanted: [ChangeID] = []
      for bytes in message.wantedBodies {
        guard let id = ChangeID(bytes: bytes) else {
          throw .malformedFrame(
            reason: "a wanted body is named by \(bytes.count) bytes, not a 32-byte change ID")
        }
        wanted.append(id)
      }
      guard message.checkpoints.count <= SyncHello.maximumCheckpointMarks else {
        throw .malformedFrame(
          reason:
            "Hello marks checkpoints of \(message.checkpoints.count) nodes; at most \(SyncHello.maximumCheckpointMarks)"
        )
      }
      var marks: [NodeID: UInt64] = [:]
      for mark in message.checkpoints {
        guard let node = try? NodeID(mark.node) else {
          throw .malformedFrame(
            reason: "a checkpoint mark names '\(mark.node.prefix(40))', which is not a node ID")
        }
        marks[node] = max(marks[node] ?? 0, mark.timeMillis)
      }
      return .hello(
        SyncHello(
          protocolVersion: message.protocolVersion, node: message.node, vector: vector, heads: heads,
          wantedBodies: wanted, capabilities: message.capabilities,
          clockMillis: message.clockMillis == 0 ? nil : message.clockMillis, checkpointMarks: marks))
    case .batch(let message):
      var changes: [SignedChange] = []
      for change in message.changes {
        do { changes.append(try WireCoding.decode(change)) } catch {
          throw .malformedFrame(
            reason: "batch \(message.number) holds a change that cannot be decoded: \(error)")
        }
      }
      return .batch(number: message.number, changes: changes)
    case .ack(let message):
      // The count is the peer's to choose and becomes an array: it must be one a batch could have
      // (a 10-byte frame claiming four billion refusals once made the decoder allocate 64 GB).
      guard message.refused <= FrameCoding.maximumChangesPerFrame else {
        throw .malformedFrame(
          reason: "an acknowledgement refusing \(message.refused) changes; a batch holds at most "
            + "\(FrameCoding.maximumChangesPerFrame)")
      }
      return .ack(
        BatchAcknowledgement(
          number: message.number, stored: Int(message.stored), duplicates: Int(message.duplicates),
          refusals: message.refusals
            + Array(repeating: "", count: max(0, Int(message.refused) - message.refusals.count)),
          // At most one per refused change; an entry whose ID is not one is dropped.
          refusedChanges: message.refusedChanges.prefix(Int(message.refused)).compactMap { entry in
            ChangeID(bytes: entry.change).map {
              RefusedChange(change: $0, code: String(entry.code.prefix(80)))
            }
          }))
    case .done:
      return .done
    case .failure(let message):
      return .failure(code: message.code, message: message.message)
    case .blobRequest(let message):
      return .blobRequest(sha256: try blobAddress(message.sha256), offset: message.offset)
    case .blobChunk(let message):
      guard message.data.count <= BlobTransfer.chunkBytes else {
        throw .malformedFrame(
          reason: "a blob chunk of \(message.data.count) bytes; at most \(BlobTransfer.chunkBytes)")
      }
      return .blobChunk(
        sha256: try blobAddress(message.sha256), offset: message.offset, data: message.data,
        last: message.last)
    case .blobRefused(let message):
      return .blobRefused(
        sha256: try blobAddress(message.sha256), code: message.code, message: message.message)
    case .fetchDone:
      return .fetchDone
    case .checkpoints(let message):
      guard message.checkpoints.count <= SyncSession.maximumCheckpointsPerFrame else {
        throw .malformedFrame(
          reason:
            "\(message.checkpoints.count) checkpoints in one frame; at most \(SyncSession.maximumCheckpointsPerFrame)"
        )
      }
      var checkpoints: [SignedCheckpoint] = []
      for wire in message.checkpoints {
        do { checkpoints.append(try SignedCheckpoint(wire: wire)) } catch {
          throw .malformedFrame(reason: error.description)
        }
      }
      return .checkpoints(checkpoints)
    case nil:
      throw .malformedFrame(reason: "a frame kind this node does not know")
    }
  }
}

extension FrameCoding {
  fileprivate static func blobAddress(_ bytes: Data) throws(ProtocolError) -> Data {
    guard bytes.count == 32 else {
      throw .malformedFrame(reason: "a blob is named by \(bytes.count) bytes, not a 32-byte SHA-256")
    }
    return bytes
  }
}

/// Splits a byte stream into frames. It holds at most one frame's worth of bytes, and refuses an
/// oversized length as soon as the 4-byte prefix arrives.
public struct FrameDecoder: Sendable {
  private var buffer = Data()
  /// Where the next frame begins in `buffer`. Decoded frames are dropped together, once per
  /// feed, and each is parsed where it lies: cutting every frame out with `subdata` and shifting
  /// the rest forward copied a blob's bytes twice more on their way to disk.
  private var consumed = 0
  public let maximumFrameBytes: Int

  public init(maximumFrameBytes: Int = FrameCoding.maximumFrameBytes) {
    self.maximumFrameBytes = maximumFrameBytes
  }

  public mutating func feed(_ bytes: some DataProtocol) throws(ProtocolError) -> [SyncFrame] {
    if consumed == buffer.count {
      buffer.removeAll(keepingCapacity: true)
    } else if consumed > 0 {
      buffer.removeSubrange(buffer.startIndex..<buffer.startIndex + consumed)
    }
    consumed = 0
    buffer.append(contentsOf: bytes)
    var frames: [SyncFrame] = []
    while buffer.count - consumed >= 4 {
      let start = buffer.startIndex + consumed
      let length = buffer[start..<start + 4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      guard length <= UInt64(maximumFrameBytes) else {
        throw .oversizedFrame(length: length, maximum: maximumFrameBytes)
      }
      guard buffer.count - consumed >= 4 + Int(length) else { break }
      frames.append(try FrameCoding.decode(buffer[start + 4..<start + 4 + Int(length)]))
      consumed += 4 + Int(length)
    }
    return frames
  }

  /// Bytes held that do not yet make a frame.
  public var pendingBytes: Int { buffer.count - consumed }
}
