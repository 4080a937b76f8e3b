import Foundation

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
}

/// Runs a program to completion and captures its output.
@discardableResult
func run(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
)
  throws -> ProcessResult
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
  process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
  var env = ProcessInfo.processInfo.environment
  for (key, value) in environment { env[key] = value }
  process.environment = env
  if let directory { process.currentDirectoryURL = directory }
  // Output goes to files, not pipes: nothing can block on a full pipe, and reading a file is not
  // interrupted by the signals that NIO's threads receive.
  let outURL = FileManager.default.temporaryDirectory.appendingPathComponent(
    "liandong-run-\(UUID().uuidString).out")
  let errURL = outURL.deletingPathExtension().appendingPathExtension("err")
  FileManager.default.createFile(atPath: outURL.path, contents: nil)
  FileManager.default.createFile(atPath: errURL.path, contents: nil)
  defer {
    try? FileManager.default.removeItem(at: outURL)
    try? FileManager.default.removeItem(at: errURL)
  }
  let out = try FileHandle(forWritingTo: outURL)
  let err = try FileHandle(forWritingTo: errURL)
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  try? out.close()
  try? err.close()
  let stdoutData = (try? Data(contentsOf: outURL)) ?? Data()
  let stderrData = (try? Data(contentsOf: errURL)) ?? Data()
  return ProcessResult(
    status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
    stderr: String(decoding: stderrData, as: UTF8.self))
}

func temporaryDirectory(_ label: String) -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "liandong-test-\(label)-\(UUID().uuidString.prefix(8))")
  try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
