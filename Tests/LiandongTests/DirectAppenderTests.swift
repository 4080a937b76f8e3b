import Foundation
import Synchronization
import Testing

@testable import LiandongStore

#if canImport(Glibc)
  import Glibc
#endif

/// A fetched blob is appended past the page cache where the file system allows
/// (`DirectAppender`). What a node depends on: whatever the pieces' sizes and wherever a transfer
/// resumes, the partial file holds exactly the bytes received once it is synchronised, whether
/// the bytes bypass the page cache or (where the file system cannot) go through it.
@Suite("Blob bytes appended past the page cache")
struct DirectAppenderTests {
  @Test("pieces of any size, synchronised at any point, reach the file exactly")
  func piecesOfAnySize() throws {
    let seed = UInt64.random(in: 0...UInt64.max)
    print("DirectAppenderTests seed \(seed)")
    var random = SeededGenerator(seed: seed)
    for bypassing in [true, false] {
      let file = try OpenFile(temporaryDirectory("direct"))
      let appender = try DirectAppender(
        path: file.path, buffered: file.descriptor, end: 0, bypassingCache: bypassing)
      #expect(appender.isDirect == bypassing)
      var expected = Data()
      for round in 0..<40 {
        let piece = randomBytes(Int.random(in: 1...600_000, using: &random), seed: UInt64(round) &+ seed)
        try appender.append(piece)
        expected.append(piece)
        if Bool.random(using: &random) || round == 39 {
          try appender.synchronize()
          #expect(try file.contents() == expected, "seed \(seed), round \(round), direct: \(bypassing)")
        }
      }
    }
  }

  @Test("a device that refuses a direct write midway gets the rest through the page cache, nothing lost")
  func abandonsDirectWriting() throws {
    let file = try OpenFile(temporaryDirectory("direct-abandon"))
    let appender = try DirectAppender(path: file.path, buffered: file.descriptor, end: 0)
    let before = randomBytes(1_500_000, seed: 9), after = randomBytes(700_001, seed: 10)
    try appender.append(before)
    try appender.abandonDirect()
    #expect(!appender.isDirect)
    try appender.append(after)
    try appender.synchronize()
    #expect(try file.contents() == before + after)
  }

  @Test("a direct write the device refuses while the next buffer fills is written through the page cache")
  func backgroundWriteRefused() throws {
    let file = try OpenFile(temporaryDirectory("direct-refused"))
    let calls = Mutex(0)
    let appender = try DirectAppender(path: file.path, buffered: file.descriptor, end: 0) {
      descriptor, bytes, count, offset in
      // The second buffer's write is refused, as a device wanting more alignment refuses it.
      calls.withLock {
        $0 += 1; return $0
      } == 2
        ? EINVAL : DirectAppender.writeAll(descriptor, bytes, count: count, at: offset)
    }
    var expected = Data()
    for round in 0..<12 {
      let piece = randomBytes(450_000 + round, seed: UInt64(round))
      try appender.append(piece)
      expected.append(piece)
    }
    try appender.synchronize()
    #expect(!appender.isDirect)
    #expect(calls.withLock { $0 } == 2)
    #expect(try file.contents() == expected)
  }

  @Test("a direct write that fails in the background fails every later append and synchronisation")
  func backgroundWriteFailed() throws {
    let file = try OpenFile(temporaryDirectory("direct-failed"))
    let appender = try DirectAppender(path: file.path, buffered: file.descriptor, end: 0) { _, _, _, _ in
      ENOSPC
    }
    // The first full buffer goes to the writer's thread; its failure is heard when the next one
    // is full, or when the bytes must be durable.
    try appender.append(randomBytes(DirectAppender.staging, seed: 1))
    #expect(throws: BlobError.self) { try appender.synchronize() }
    #expect(throws: BlobError.self) { try appender.append(randomBytes(DirectAppender.staging, seed: 2)) }
    #expect(throws: BlobError.self) { try appender.synchronize() }
  }

  @Test("a transfer resumed in the middle of a block keeps the bytes before it")
  func resumesMidBlock() throws {
    for bypassing in [true, false] {
      let folder = temporaryDirectory("direct-resume")
      let first = randomBytes(10_000, seed: 7), rest = randomBytes(3 << 20, seed: 8)
      do {
        let file = try OpenFile(folder)
        let appender = try DirectAppender(
          path: file.path, buffered: file.descriptor, end: 0, bypassingCache: bypassing)
        try appender.append(first)
        try appender.synchronize()
      }
      let file = try OpenFile(folder)
      let appender = try DirectAppender(
        path: file.path, buffered: file.descriptor, end: UInt64(first.count), bypassingCache: bypassing)
      try appender.append(rest)
      try appender.synchronize()
      #expect(try file.contents() == first + rest, "direct: \(bypassing)")
    }
  }

  /// A partial file opened as `BlobStore.receive` opens it.
  private final class OpenFile {
    let path: String
    let descriptor: Int32

    init(_ folder: URL) throws {
      path = folder.appendingPathComponent("partial").path
      descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      guard descriptor >= 0 else { throw POSIXError(.EIO) }
    }

    deinit { close(descriptor) }

    func contents() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
  }
}
