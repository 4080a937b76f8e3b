import Foundation
import LiandongCore
import LiandongCrypto

/// The committed test identity of `Protocol/vectors/`: its corpus changes are signed by this
/// certificate under this CA, so mutations of them reach the deepest checks instead of stopping
/// at an unknown signer.
public enum VectorNode {
  /// The repository's `Protocol/vectors/`, found from this file's place in the checkout.
  public static let folder: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Protocol/vectors")

  public static let trust: TrustAnchor = {
    do {
      return try TrustAnchor(caPEM: Data(contentsOf: folder.appendingPathComponent("test-ca.pem")))
    } catch {
      fatalError("cannot read \(folder.path)/test-ca.pem: \(error)")
    }
  }()

  public static let certificate: Certificate = {
    do {
      let pem = try Data(contentsOf: folder.appendingPathComponent("vector-node.pem"))
      guard let leaf = try Certificate.chain(pem: pem).first else { fatalError("vector-node.pem is empty") }
      return leaf
    } catch {
      fatalError("cannot read \(folder.path)/vector-node.pem: \(error)")
    }
  }()

  public static let receiver = try! NodeID("yrd")
}
