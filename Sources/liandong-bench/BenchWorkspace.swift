import Foundation
import LiandongCrypto
import LiandongStore
import LiandongTLS
import LiandongTesting

/// A throwaway federation CA and two node certificates, made with Deploy/pki/liandong-pki.
struct BenchWorkspace {
  let directory: URL

  /// `sm2`: a federation on the national algorithms (its nodes also get TLS certificates).
  init(caKey: String = "p256") throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "liandong-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try pki(["init", directory.path, "--key", caKey])
    for node in ["bench-a", "bench-b", "bench-c", "bench-hub"] { try issue(node) }
    try pki(["crl", directory.path])
  }

  /// Issues a certificate for a node of this workspace's CA.
  func issue(_ node: String) throws { try pki(["issue", directory.path, node]) }

  private func pki(_ arguments: [String]) throws {
    let child = try ChildProcess(try Self.pkiScript(), arguments)
    guard child.wait(timeout: 60) == 0 else {
      throw BenchError("liandong-pki \(arguments.joined(separator: " ")) failed: \(child.stderr)")
    }
  }

  /// The PKI script, found from the working directory (the repository) or this source file.
  static func pkiScript() throws -> String {
    let candidates = [
      URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent(),
    ].map { $0.appendingPathComponent("Deploy/pki/liandong-pki").path }
    guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
      throw BenchError("Deploy/pki/liandong-pki not found: run liandong-bench from the repository's root")
    }
    return found
  }

  func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

  /// A bare SQLite database in the workspace, written as the node's store is (WAL,
  /// `synchronous=FULL`): what B2's yardsticks are measured in.
  func bareDatabase(_ name: String) throws -> BareSQLite { try BareSQLite(path: path(name)) }

  func tlsConfiguration(_ node: String) throws -> TLSConfiguration {
    TLSConfiguration(
      trust: try TrustAnchor(caPEM: Data(contentsOf: URL(fileURLWithPath: path("ca.pem")))),
      chain: try Certificate.chain(pem: Data(contentsOf: URL(fileURLWithPath: path("nodes/\(node).pem")))),
      key: try PrivateKey(pem: Data(contentsOf: URL(fileURLWithPath: path("nodes/\(node).key")))))
  }

  /// A file of random bytes in the workspace, so that nothing along the way can compress it;
  /// written 1 MiB at a time.
  func randomFile(_ name: String, bytes: Int) throws -> URL {
    let url = directory.appendingPathComponent(name)
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw BenchError("cannot create \(url.path)")
    }
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var left = bytes
    while left > 0 {
      let count = min(left, chunk.count)
      chunk.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, count) }
      try handle.write(contentsOf: chunk[0..<count])
      left -= count
    }
    return url
  }

  func remove() { try? FileManager.default.removeItem(at: directory) }
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
