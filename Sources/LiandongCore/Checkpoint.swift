import Foundation
import LiandongCrypto
import LiandongWire
import SwiftProtobuf

/// A node's signed statement of what it held at a moment: per origin, the highest contiguous
/// sequence and the change there. Kept by every node it reaches, it proves with its signer's
/// signature that the signer held each of those changes, and every one before it in that
/// origin's chain, no later than `time`: the witness a backdating signer cannot forge, since it
/// is another node's key.
///
/// Not a change: a checkpoint is not in anyone's chain and holding one changes nothing a
/// checkpoint states, so checkpoints never cause more checkpoints, and a quiet federation stays
/// quiet.
public struct Checkpoint: Sendable, Equatable {
  public struct Held: Sendable, Equatable {
    public var sequence: UInt64
    public var head: ChangeID
    public init(sequence: UInt64, head: ChangeID) {
      self.sequence = sequence
      self.head = head
    }
  }

  public var suite: CryptoSuite
  public var node: NodeID
  public var timeMillis: UInt64
  public var held: [NodeID: Held]
  public var signerSHA256: Data
  /// The signer's operator's decisions on forks of its own chain: per forked sequence, the change
  /// that stands (`ForkDecisions`). Every later checkpoint repeats them, so the newest one a node
  /// holds carries them all.
  public var forks: [UInt64: ChangeID]

  public init(
    suite: CryptoSuite, node: NodeID, timeMillis: UInt64, held: [NodeID: Held], signerSHA256: Data,
    forks: [UInt64: ChangeID] = [:]
  ) {
    self.suite = suite
    self.node = node
    self.timeMillis = timeMillis
    self.held = held
    self.signerSHA256 = signerSHA256
    self.forks = forks
  }

  public var time: Date { Date(timeIntervalSince1970: TimeInterval(timeMillis) / 1000) }

  /// The bytes that are signed: entries sorted by origin, so one statement has one encoding.
  func encoded() -> Data {
    var wire = Liandong_V1_Checkpoint()
    wire.format = suite.headerFormat
    wire.node = node.rawValue
    wire.timeMillis = timeMillis
    wire.signerSha256 = signerSHA256
    wire.held = held.sorted { $0.key < $1.key }.map { origin, held in
      var entry = Liandong_V1_CheckpointEntry()
      entry.origin = origin.rawValue
      entry.sequence = held.sequence
      entry.head = held.head.bytes
      return entry
    }
    wire.forks = forks.sorted { $0.key < $1.key }.map { sequence, keep in
      var choice = Liandong_V1_ForkChoice()
      choice.sequence = sequence
      choice.keep = keep.bytes
      return choice
    }
    return (try? wire.serializedBytes()) ?? Data()
  }

  static func decode(_ bytes: Data) throws(CheckpointProblem) -> Checkpoint {
    let wire: Liandong_V1_Checkpoint
    do { wire = try Liandong_V1_Checkpoint(serializedBytes: bytes) } catch {
      throw .malformed("its bytes are not a checkpoint")
    }
    guard let suite = CryptoSuite(headerFormat: wire.format) else {
      throw .malformed("format \(wire.format) is not one this build reads")
    }
    guard let node = try? NodeID(wire.node) else {
      throw .malformed("its signer '\(wire.node)' is not a node ID")
    }
    var held: [NodeID: Held] = [:]
    for entry in wire.held {
      guard let origin = try? NodeID(entry.origin), let head = ChangeID(bytes: entry.head),
        entry.sequence > 0,
        held[origin] == nil
      else {
        throw .malformed(
          "an entry for '\(entry.origin)' is not an origin, a sequence and a change ID, or repeats")
      }
      held[origin] = Held(sequence: entry.sequence, head: head)
    }
    var forks: [UInt64: ChangeID] = [:]
    for choice in wire.forks {
      guard choice.sequence > 0, let keep = ChangeID(bytes: choice.keep), forks[choice.sequence] == nil else {
        throw .malformed(
          "a fork choice at sequence \(choice.sequence) is not a sequence and a change ID, or repeats")
      }
      forks[choice.sequence] = keep
    }
    return Checkpoint(
      suite: suite, node: node, timeMillis: wire.timeMillis, held: held, signerSHA256: wire.signerSha256,
      forks: forks)
  }
}

/// A checkpoint as it travels and is kept: its bytes exactly as signed, and the signature.
public struct SignedCheckpoint: Sendable, Equatable {
  public let bytes: Data
  public let signature: Data
  public let checkpoint: Checkpoint

  public init(bytes: Data, signature: Data) throws(CheckpointProblem) {
    self.bytes = bytes
    self.signature = signature
    self.checkpoint = try Checkpoint.decode(bytes)
  }

  /// Signs `checkpoint` with the key that signs the node's changes.
  public init(signing checkpoint: Checkpoint, with key: PrivateKey) throws {
    let bytes = checkpoint.encoded()
    try self.init(bytes: bytes, signature: try key.sign(bytes))
  }

  public var wire: Liandong_V1_SignedCheckpoint {
    var wire = Liandong_V1_SignedCheckpoint()
    wire.checkpoint = bytes
    wire.signature = signature
    return wire
  }

  public init(wire: Liandong_V1_SignedCheckpoint) throws(CheckpointProblem) {
    try self.init(bytes: wire.checkpoint, signature: wire.signature)
  }

  /// Whether the checkpoint counts: signed by `chain`'s leaf, a certificate of its signer that
  /// the federation CA vouched for at the checkpoint's time. (Whether a revocation after that
  /// time undoes it is the revocation rule's question, not this one.)
  public func check(signer chain: [Certificate], trust: TrustAnchor, now: Date) throws(CheckpointProblem) {
    guard let leaf = chain.first, leaf.fingerprint == checkpoint.signerSHA256 else {
      throw .unknownSigner(node: checkpoint.node)
    }
    guard (try? leaf.nodeIdentity()) == checkpoint.node.rawValue else {
      throw .notTrusted(node: checkpoint.node, reason: "its certificate names another node")
    }
    do { try trust.verify(chain: chain, at: checkpoint.time, now: now) } catch {
      throw .notTrusted(node: checkpoint.node, reason: "\(error)")
    }
    guard let key = try? leaf.publicKey(), checkpoint.suite.admits(key.algorithm),
      key.isValidSignature(signature, for: bytes)
    else {
      throw .badSignature(node: checkpoint.node)
    }
  }
}

/// Why a checkpoint a peer passed on is not kept. Never an error of the session: checkpoints are
/// witnesses, and one that cannot be checked yet (its signer's certificate not held) comes again.
public enum CheckpointProblem: Error, Sendable, Equatable, CustomStringConvertible {
  case malformed(String)
  case unknownSigner(node: NodeID)
  case notTrusted(node: NodeID, reason: String)
  case badSignature(node: NodeID)

  public var code: String {
    switch self {
    case .malformed: "checkpoint.malformed"
    case .unknownSigner: "checkpoint.unknown-signer"
    case .notTrusted: "checkpoint.signer-not-trusted"
    case .badSignature: "checkpoint.bad-signature"
    }
  }

  public var description: String {
    switch self {
    case .malformed(let reason): "a checkpoint is malformed: \(reason)"
    case .unknownSigner(let node):
      "a checkpoint of \(node) names a certificate this node does not hold for it"
    case .notTrusted(let node, let reason):
      "a checkpoint of \(node) is signed by a certificate not trusted: \(reason)"
    case .badSignature(let node): "a checkpoint of \(node) does not verify with its signer's key"
    }
  }
}
