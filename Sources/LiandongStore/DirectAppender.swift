import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Appends a fetched blob to its partial file without copying it through the page cache, where
/// the file system allows (`O_DIRECT`); elsewhere (file systems that refuse it, such as tmpfs
/// before Linux 6.6, and other systems) it writes as to any file.
///
/// Why: the kernel's copy of every received byte into the page cache, and the writeback the
/// checkpoints' fsyncs then forced, took 1.45 s of the 3.3 s a 1 GiB file took to arrive (B3 in
/// BENCHMARKS.md), more than hashing it; `dd` of 1 GiB here spends 1.9 s of system time
/// buffered, 0.6 s direct. And an evidence file that has just arrived is not read again soon. Direct writes must start at, and cover
/// whole, blocks of the device, so bytes are staged in a block-aligned buffer and written a
/// buffer at a time; a tail shorter than a block waits there for the next bytes, and is written
/// through the ordinary descriptor only when the file must be durable, to be rewritten whole by
/// the next direct write.
///
/// A direct write holds its thread until the device has the bytes, so a full buffer is written
/// on a thread of its own while the caller fills the other and hashes: the disk's time and the
/// hash's then overlap instead of adding up.
final class DirectAppender {
  /// What every Linux block device accepts as alignment (its logical block size divides it).
  static let block = 4096
  /// Bytes staged before a direct write: large enough that each write keeps the device busy.
  static let staging = 1 << 20

  private let path: String
  /// The transfer's own descriptor (locked, read-write, buffered).
  private let buffered: Int32
  /// The same file opened with `O_DIRECT`, or nil where that is not possible.
  private var direct: Int32?
  /// The buffer being filled, and the other one (written in the background, or free).
  private var buffer: UnsafeMutableRawPointer?
  private var spare: UnsafeMutableRawPointer?
  /// The spare buffer's write, until it is waited for.
  private var pending: BackgroundWrite?
  private let writer = DispatchQueue(label: "liandong.blob-writer")
  /// With direct writing, where the buffer's first byte belongs in the file (a multiple of
  /// `block`); without, the file's end.
  private var stagedAt: UInt64
  private var staged = 0

  /// How a buffer is written directly: its error, or nil. Tests stand a refusing device in.
  typealias DirectWrite =
    @Sendable (_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ offset: UInt64)
    -> Int32?
  private let writeDirect: DirectWrite

  /// Appends after `end`, the file's current length; `buffered` stays the caller's to close.
  /// `bypassingCache: false` writes as a file system without `O_DIRECT` makes it.
  init(
    path: String, buffered: Int32, end: UInt64, bypassingCache: Bool = true,
    writeDirect: @escaping DirectWrite = DirectAppender.writeAll
  ) throws {
    self.path = path
    self.buffered = buffered
    self.writeDirect = writeDirect
    stagedAt = end
    guard bypassingCache, let flag = Self.directFlag else { return }
    let descriptor = open(path, O_WRONLY | O_CLOEXEC | flag)
    guard descriptor >= 0 else { return }  // EINVAL: this file system cannot bypass its cache
    var memory: UnsafeMutableRawPointer?, other: UnsafeMutableRawPointer?
    guard posix_memalign(&memory, Self.block, Self.staging) == 0, let memory else {
      Glibc.close(descriptor)
      return
    }
    guard posix_memalign(&other, Self.block, Self.staging) == 0, let other else {
      free(memory)
      Glibc.close(descriptor)
      return
    }
    direct = descriptor
    buffer = memory
    spare = other
    // The partial block at the end is staged again, so the next direct write covers it whole.
    stagedAt = end - end % UInt64(Self.block)
    staged = Int(end - stagedAt)
    if staged > 0 { try readExactly(into: memory, count: staged, at: stagedAt) }
  }

  /// Whether bytes bypass the page cache (false where the file system cannot).
  var isDirect: Bool { direct != nil }

  deinit {
    _ = pending?.wait()  // its thread still uses the descriptor and the spare buffer
    if let direct { Glibc.close(direct) }
    free(buffer)  // posix_memalign's
    free(spare)
  }

  /// `O_DIRECT`, which Swift's Glibc module does not export; its value depends on the processor.
  private static var directFlag: Int32? {
    #if os(Linux) && arch(x86_64)
      return 0o40000
    #elseif os(Linux) && arch(arm64)
      return 0o200000
    #else
      return nil
    #endif
  }

  func append(_ data: Data) throws {
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
      var consumed = 0
      while consumed < bytes.count {
        // Looked up each time: a write the device refuses ends direct writing, and the buffer.
        guard let buffer else {
          return try writeBuffered(UnsafeRawBufferPointer(rebasing: bytes[consumed...]), at: stagedAt)
        }
        let count = min(Self.staging - staged, bytes.count - consumed)
        (buffer + staged).copyMemory(from: bytes.baseAddress! + consumed, byteCount: count)
        staged += count
        consumed += count
        if staged == Self.staging { try writeInBackground() }
      }
    }
  }

  /// Makes every byte appended so far durable.
  func synchronize() throws {
    try finishPending()
    if let buffer {
      try writeWholeBlocks()
      if staged > 0 {
        try writeBuffered(UnsafeRawBufferPointer(start: buffer, count: staged), at: stagedAt)
      }
    }
    guard fdatasync(buffered) == 0 else { throw failure("fdatasync", errno) }
  }

  /// Hands the full buffer to the writer's thread and goes on with the spare one, once the
  /// spare's own write has ended.
  private func writeInBackground() throws {
    try finishPending()
    guard let direct, let full = buffer, let empty = spare else { return }  // abandoned meanwhile
    let write = BackgroundWrite(descriptor: direct, bytes: full, count: staged, at: stagedAt)
    writer.async { [writeDirect] in write.run(writeDirect) }
    pending = write
    buffer = empty
    spare = full
    stagedAt += UInt64(staged)
    staged = 0
  }

  /// Waits for the background write; one the device refused (EINVAL) is written again through
  /// the page cache, as is every later byte. Any other failure stays pending, so every later
  /// append and synchronisation fails with it and none claims the bytes durable.
  private func finishPending() throws {
    guard let write = pending else { return }
    if let error = write.wait() {
      guard error == EINVAL else { throw failure("write", error) }
      try writeBuffered(UnsafeRawBufferPointer(start: write.bytes, count: write.count), at: write.offset)
      pending = nil
      return try abandonDirect()
    }
    pending = nil
  }

  /// Writes the staged whole blocks directly and keeps the tail staged at the start.
  private func writeWholeBlocks() throws {
    guard let direct, let buffer else { return }
    let whole = staged - staged % Self.block
    guard whole > 0 else { return }
    if let error = writeDirect(direct, buffer, whole, stagedAt) {
      if error == EINVAL { return try abandonDirect() }  // the device wants more alignment
      throw failure("write", error)
    }
    buffer.copyMemory(from: buffer + whole, byteCount: staged - whole)
    staged -= whole
    stagedAt += UInt64(whole)
  }

  /// Writes what is staged through the ordinary descriptor, and every later byte the same way:
  /// what a write the device refuses (EINVAL) leads to.
  func abandonDirect() throws {
    try finishPending()
    guard let direct, let buffer else { return }
    try writeBuffered(UnsafeRawBufferPointer(start: buffer, count: staged), at: stagedAt)
    stagedAt += UInt64(staged)
    staged = 0
    Glibc.close(direct)
    free(buffer)
    free(spare)
    self.direct = nil
    self.buffer = nil
    self.spare = nil
  }

  /// Writes through the ordinary descriptor. Without direct writing, `stagedAt` is the file's
  /// end, and moves past what is written.
  private func writeBuffered(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
    if let start = bytes.baseAddress,
      let error = Self.writeAll(buffered, start, count: bytes.count, at: offset)
    {
      throw failure("write", error)
    }
    if buffer == nil { stagedAt = offset + UInt64(bytes.count) }
  }

  private func readExactly(into memory: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws {
    var read = 0
    while read < count {
      let result = pread(buffered, memory + read, count - read, off_t(offset) + off_t(read))
      if result < 0 && errno == EINTR { continue }
      if result == 0 { throw BlobError.io(path: path, reason: "read: the file ended early") }
      guard result > 0 else { throw failure("read", errno) }
      read += result
    }
  }

  /// Writes `count` bytes at `offset`, however many calls it takes; the error of a write that
  /// failed (EIO for one that wrote nothing), or nil.
  static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawPointer, count: Int, at offset: UInt64)
    -> Int32?
  {
    var written = 0
    while written < count {
      let result = pwrite(descriptor, bytes + written, count - written, off_t(offset) + off_t(written))
      if result < 0 && errno == EINTR { continue }
      guard result > 0 else { return result < 0 ? errno : EIO }
      written += result
    }
    return nil
  }

  private func failure(_ call: String, _ error: Int32) -> BlobError {
    BlobError.io(path: path, reason: "\(call): \(String(cString: strerror(error)))")
  }
}

/// One buffer's direct write on the appender's writer thread. The appender neither touches the
/// buffer nor closes the descriptor until `wait` has returned.
private final class BackgroundWrite: @unchecked Sendable {
  let descriptor: Int32
  let bytes: UnsafeMutableRawPointer
  let count: Int
  let offset: UInt64
  private let ended = DispatchSemaphore(value: 0)
  /// Set by `run` before it signals `ended`; read only after `wait`.
  private var error: Int32?

  init(descriptor: Int32, bytes: UnsafeMutableRawPointer, count: Int, at offset: UInt64) {
    self.descriptor = descriptor
    self.bytes = bytes
    self.count = count
    self.offset = offset
  }

  func run(_ write: DirectAppender.DirectWrite) {
    error = write(descriptor, bytes, count, offset)
    ended.signal()
  }

  /// The write's error, or nil; returns at once after the first call.
  func wait() -> Int32? {
    ended.wait()
    ended.signal()
    return error
  }
}
