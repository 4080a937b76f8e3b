import Foundation
import LiandongErrors
import LiandongTesting

/// The repository's root, found from this file's path, so tests can run scripts and the binary.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// The `liandong` binary built beside the test bundle.
let liandongBinary: URL = {
  let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
    let url = candidate.appendingPathComponent("liandong")
    if FileManager.default.isExecutableFile(atPath: url.path) { return url }
  }
  return repositoryRoot.appendingPathComponent(".build/debug/liandong")
}()

struct ProcessResult: CustomStringConvertible {
  var status: Int32
  var stdout: String
  var stderr: String
  var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

  /// The command failed with `code`, exiting with the status of the code's category.
  func failed(with code: String) -> Bool {
    guard let category = ErrorCatalogue.entry(for: code)?.category else { return false }
    return status == category.exitStatus && stderr.contains("error[\(code)]")
  }
}

/// Runs a program to completion (at most `timeout` seconds) and captures its output.
@discardableResult
func run(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120
) throws
  -> ProcessResult
{
  let child = try ChildProcess(executable, arguments, environment: environment)
  let status = child.wait(timeout: timeout)
  return ProcessResult(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// The same, for a caller on the concurrency pool: the child is waited for on a thread of its own
/// (see `ChildProcess.wait(timeout:) async`).
@discardableResult
func run(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120
) async throws
  -> ProcessResult
{
  let child = try ChildProcess(executable, arguments, environment: environment)
  let status = await child.wait(timeout: timeout)
  return ProcessResult(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// Runs the `sqlite3` tool on `database`, waiting for a lock up to 30 s as the node's own
/// connections do. The tool's default is to fail at once with "database is locked", and a store
/// this process or a node just let go of may still hold one: the last connection to close
/// checkpoints the log and removes it under an exclusive lock (CI failed so on a loaded machine).
@discardableResult
func sqlite3(_ database: String, _ sql: String) throws -> ProcessResult {
  try run("sqlite3", ["-cmd", ".timeout 30000", database, sql])
}

/// The same, for a caller on the concurrency pool.
@discardableResult
func sqlite3(_ database: String, _ sql: String) async throws -> ProcessResult {
  try await run("sqlite3", ["-cmd", ".timeout 30000", database, sql])
}

/// A new folder for a test, removed when the test process exits: the suite makes about a
/// thousand, a gigabyte in all, and left behind they filled the disk over repeated runs. Set
/// `LIANDONG_KEEP_TEST_FOLDERS=1` to keep them for a look after a failure.
func temporaryDirectory(_ label: String) -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "liandong-test-\(label)-\(UUID().uuidString.prefix(8))")
  try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  TestFolders.shared.removeAtExit(url)
  return url
}

/// The folders `temporaryDirectory` made, removed by an exit handler: a test's processes have
/// stopped by then, and a crash leaves them for a look.
private final class TestFolders: @unchecked Sendable {
  static let shared: TestFolders = {
    if ProcessInfo.processInfo.environment["LIANDONG_KEEP_TEST_FOLDERS"] == nil {
      atexit { TestFolders.shared.removeAll() }
    }
    return TestFolders()
  }()

  private let lock = NSLock()
  private var folders: [URL] = []

  func removeAtExit(_ folder: URL) { lock.withLock { folders.append(folder) } }

  private func removeAll() {
    for folder in lock.withLock({ folders }) { try? FileManager.default.removeItem(at: folder) }
  }
}

/// The code of the coded error `body` throws; nil if it throws nothing.
func thrownCode(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as any CodedError {
    return error.code
  } catch {
    return "uncoded: \(error)"
  }
}

extension Sequence {
  /// `map` for a transform that awaits (a command run on each node), one element after another.
  func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
    var results: [T] = []
    for element in self { results.append(try await transform(element)) }
    return results
  }
}
