import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// A file arriving over the network, written to disk piece by piece as it comes (never held
/// whole) and hashed on the way, on the evidence store's disk: once the evidence is accepted it
/// is moved into the store under its hash, not read and written a second time. Whatever
/// happens, an upload not adopted is removed.
public final class EvidenceUpload {
  public static let maximumBytes: UInt64 = 2 << 30
  let file: URL
  private let handle: FileHandle
  private let hasher: StreamingHasher
  private var digest: Data? = nil
  public private(set) var size: UInt64 = 0

  /// `digest` is the evidence store's: the hash the file will be addressed by.
  init(in folder: URL, digest: DigestAlgorithm) throws {
    hasher = digest.hasher()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    file = folder.appendingPathComponent("upload-\(UUID().uuidString)")
    guard
      FileManager.default.createFile(
        atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
      let handle = try? FileHandle(forWritingTo: file)
    else {
      throw UsageError(code: "blob.io", message: "cannot create an upload file in \(folder.path)")
    }
    self.handle = handle
  }

  deinit {
    try? handle.close()
    try? FileManager.default.removeItem(at: file)
  }

  /// The next piece of the file.
  public func append(_ bytes: some DataProtocol) throws {
    size += UInt64(bytes.count)
    guard size <= Self.maximumBytes else {
      throw UsageError(
        code: "api.too-large", message: "an evidence file is at most \(Self.maximumBytes) bytes over the API")
    }
    hasher.update(bytes)
    do { try handle.write(contentsOf: bytes) } catch {
      throw Failure(error)
    }
  }

  /// A small file chosen in a form that is no evidence (the CA's revocation list), read back
  /// whole; one over `limit` bytes is refused.
  public func readBack(limit: Int) throws -> Data {
    guard size <= UInt64(limit) else {
      throw UsageError(code: "api.too-large", message: "the chosen file is over \(limit) bytes")
    }
    do {
      try handle.synchronize()
      return try Data(contentsOf: file)
    } catch {
      throw Failure(error)
    }
  }

  /// The hash of everything appended: what makes a retried upload the same request.
  public func finish() -> Data {
    if let digest { return digest }
    let computed = hasher.finalize()
    digest = computed
    return computed
  }

  /// Makes the file durable and moves it into the evidence store under its SHA-256; returns
  /// its address and size. An empty upload is refused as an empty file on disk is.
  func adopt(into blobs: BlobStore) throws -> (sha256: Data, size: UInt64) {
    guard size > 0 else { throw BlobError.empty(path: "the uploaded file") }
    do {
      try handle.synchronize()
      try handle.close()
    } catch {
      throw Failure(error)
    }
    let sha256 = finish()
    try blobs.adopt(file, sha256: sha256, size: size)
    return (sha256, size)
  }
}

extension NodeApp {
  /// Where an upload is written before it is hashed into the evidence store: beside it, on the same disk.
  public func startUpload() throws -> EvidenceUpload {
    try EvidenceUpload(
      in: local.blobs.directory.appendingPathComponent("uploads"), digest: local.blobs.digest)
  }

  /// Adds the uploaded file as evidence, as `addEvidence` adds a file on disk, with the same
  /// checks before the file is stored.
  public func addEvidence(
    to item: ObjectID, upload: EvidenceUpload, record: EvidenceRecord, audience: Audience?,
    by officer: Officer,
    now: Date = Date()
  ) throws -> ActResult<EvidenceView> {
    try addEvidence(to: item, record: record, audience: audience, by: officer, now: now) {
      try upload.adopt(into: local.blobs)
    }
  }
}
