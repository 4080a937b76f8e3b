import Foundation
import LiandongCore
import LiandongCrypto

/// A federation manifest as `federation show` lists it.
public struct ManifestView: Codable, Sendable, Equatable {
  public var version: Int
  /// The document's hash in the federation's suite: SHA-256, or SM3 in an `sm` federation.
  public var sha256: String
  public var manifest: FederationManifest
  /// The change that brought it.
  public var publishedIn: String
}

extension LogWritingStore {
  /// Records the manifests a stored change publishes (the verifier has checked their signatures).
  /// `body` is the change's decoded body. True when it published any.
  @discardableResult
  func registerManifests(in change: SignedChange, _ body: ChangeBody?, _ db: StoreConnection) throws -> Bool {
    var registered = false
    for operation in body?.operations ?? [] {
      guard case .publishManifest(let signed) = operation.action, let manifest = signed.manifest else {
        continue
      }
      try db.run(
        """
        INSERT INTO p_manifests (sha256, version, document, signature, published_in) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (sha256) DO UPDATE SET published_in = \(LogTables.smaller("p_manifests.published_in"))
        """, change.header.suite.digest.hash(signed.document), manifest.version, signed.document,
        signed.signature, change.id.bytes)
      registered = true
    }
    return registered
  }
}

extension ReadModels where Self: SQLBackedStore {
  /// The manifest in force: the highest version held (of two the CA signed with one version, the
  /// smaller hash, so every node picks the same), with its signed bytes.
  public func currentManifest() throws -> (view: ManifestView, signed: SignedManifest)? {
    try snapshot { db in
      guard
        let row = try db.firstRow("SELECT * FROM p_manifests ORDER BY version DESC, sha256 ASC LIMIT 1"),
        let manifest = try? FederationManifest.parse(row["document"])
      else { return nil }
      let view = ManifestView(
        version: row["version"], sha256: (row["sha256"] as Data).hex, manifest: manifest,
        publishedIn: (row["published_in"] as Data).hex)
      return (view, SignedManifest(document: row["document"], signature: row["signature"]))
    }
  }
}
