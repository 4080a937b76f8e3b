import Foundation
import LiandongCore
import LiandongCrypto

/// The node's certificate chain (`node.pem`) and private key (`node.key`), which must always be a
/// pair: a node whose key does not match its certificate signs changes nobody can verify.
///
/// A rotation replaces both, and two files cannot be renamed at once, so it stages them first:
/// `node.key.next`, then `node.pem.next`, whose presence commits the rotation. Then it renames
/// the key, then the certificate. Whoever opens the folder next finishes an interrupted rotation
/// (or drops a staging that never committed), so a crash at any point leaves a matching pair.
struct NodeIdentityFiles {
  let directory: URL

  private var certificate: URL { directory.appendingPathComponent("node.pem") }
  private var key: URL { directory.appendingPathComponent("node.key") }
  private var stagedCertificate: URL { directory.appendingPathComponent("node.pem.next") }
  private var stagedKey: URL { directory.appendingPathComponent("node.key.next") }

  /// Reads the pair, after finishing or dropping an interrupted rotation.
  func load() throws -> (chain: [Certificate], key: PrivateKey) {
    try recover()
    let chain = try Certificate.chain(pem: try NodeHome.readFile(certificate))
    let privateKey = try PrivateKey(pem: try NodeHome.readFile(key))
    guard try privateKey.publicKey().matches(chain[0].publicKey()) else {
      throw StoreError.identityMismatch(path: directory.path)
    }
    return (chain, privateKey)
  }

  /// Replaces the pair. The caller has checked that they belong together and announced the
  /// certificate: from the moment `node.pem.next` exists, the rotation will complete.
  func replace(certificatePEM: Data, keyPEM: Data) throws {
    try? FileManager.default.removeItem(at: stagedCertificate)
    try DurableFile.replace(stagedKey, with: keyPEM, mode: 0o600)
    try DurableFile.replace(stagedCertificate, with: certificatePEM, mode: 0o644)
    try recover()
  }

  private func recover() throws {
    let fileManager = FileManager.default
    let committed = fileManager.fileExists(atPath: stagedCertificate.path)
    if fileManager.fileExists(atPath: stagedKey.path) {
      if committed {
        try DurableFile.move(stagedKey, to: key)
      } else {
        try fileManager.removeItem(at: stagedKey)
      }
    }
    if committed { try DurableFile.move(stagedCertificate, to: certificate) }
  }
}
