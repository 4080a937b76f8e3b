import Dispatch
import Foundation
import LiandongCrypto

/// Copies one file descriptor to another and hashes what passes, with the hash on a second
/// thread: reading and writing are the kernel's work and hashing is ours, so the two overlap
/// instead of adding up. Pieces written are handed to the kernel's writeback as the copy goes
/// (`POSIX_FADV_DONTNEED` starts it on Linux and drops the pages once clean), so the final
/// `fsync` waits for the last pieces only, and a large copy does not crowd the page cache.
final class HashingCopy: @unchecked Sendable {
  static let pieceBytes = 4 << 20
  static let pieceCount = 4
  /// How much is written between two writeback hints.
  static let writebackBytes = 64 << 20

  enum Failure: Error {
    case read(errno: Int32)
    case write(errno: Int32)
  }

  private let buffers: [UnsafeMutableRawBufferPointer]
  /// Bytes in each buffer once it is filled; 0 marks the end. Raw memory, written by the copying
  /// thread and read by the hashing one in turn (the semaphores order them): a Swift array
  /// property would be an exclusive access checked, and trapped, across the two threads.
  private let lengths: UnsafeMutablePointer<Int>
  private let filled = DispatchSemaphore(value: 0)
  private let emptied: DispatchSemaphore
  private let hashed = DispatchSemaphore(value: 0)
  private let hasher: StreamingHasher

  init(_ digest: DigestAlgorithm) {
    hasher = digest.hasher()
    buffers = (0..<Self.pieceCount).map { _ in
      UnsafeMutableRawBufferPointer.allocate(byteCount: Self.pieceBytes, alignment: 4096)
    }
    lengths = .allocate(capacity: Self.pieceCount)
    lengths.initialize(repeating: 0, count: Self.pieceCount)
    // Made empty and signalled: libdispatch traps when a semaphore is freed below the value it
    // was made with, which this one is after a copy.
    emptied = DispatchSemaphore(value: 0)
    for _ in 0..<Self.pieceCount { emptied.signal() }
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
    lengths.deallocate()
  }

  /// Copies `input` from its current offset to its end into `output`; returns the SHA-256 of what
  /// was copied and its size. The output is not synchronised: the caller does that once.
  func run(from input: Int32, to output: Int32) throws(Failure) -> (sha256: Data, size: UInt64) {
    posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
    DispatchQueue.global().async { self.hashPieces() }
    var size = 0
    var advised = 0
    var index = 0
    var failure: Failure? = nil
    while true {
      emptied.wait()
      let slot = index % Self.pieceCount
      let count = Self.readSome(input, into: buffers[slot])
      if count < 0 { failure = .read(errno: errno) }
      if count > 0,
        let error = Self.writeAll(UnsafeRawBufferPointer(rebasing: buffers[slot][0..<count]), to: output)
      {
        failure = .write(errno: error)
      }
      let ended = count <= 0 || failure != nil
      lengths[slot] = ended ? 0 : count
      filled.signal()
      if ended { break }
      size += count
      index += 1
      if size - advised >= Self.writebackBytes {
        posix_fadvise(output, advised, size - advised, POSIX_FADV_DONTNEED)
        advised = size
      }
    }
    hashed.wait()
    if let failure { throw failure }
    return (hasher.finalize(), UInt64(size))
  }

  private func hashPieces() {
    var index = 0
    while true {
      filled.wait()
      let slot = index % Self.pieceCount
      let count = lengths[slot]
      if count == 0 { break }
      hasher.update(bytes: UnsafeRawBufferPointer(rebasing: buffers[slot][0..<count]))
      emptied.signal()
      index += 1
    }
    hashed.signal()
  }

  private static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    while true {
      let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
      if count >= 0 || errno != EINTR { return count }
    }
  }

  /// Writes all of `bytes`; the `errno` of a failure, nil when all were written.
  static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
    var written = 0
    while written < bytes.count {
      let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      if count < 0 {
        if errno == EINTR { continue }
        return errno
      }
      written += count
    }
    return nil
  }
}
