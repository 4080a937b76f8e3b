import Foundation
import LiandongCore
import LiandongCrypto

/// The certificate and key a node opens TLS connections with. Usually the node's signing pair
/// (`node.pem`, `node.key`). In an `sm` federation the signing key is SM2, which OpenSSL 3.0
/// cannot use in TLS, so the node also holds `tls.pem` and `tls.key`: a P-256 certificate from
/// the same CA, naming the same node, that authenticates connections and signs nothing else.
public struct TransportIdentity: Sendable {
  public let chain: [Certificate]
  public let key: PrivateKey

  static let certificateFile = "tls.pem"
  static let keyFile = "tls.key"

  /// Checks a TLS pair given to `init` against the federation and the node: required exactly
  /// when the signing key cannot do TLS, chained to the CA, naming `node`, matching its key.
  static func checked(
    _ pair: (certificatePEM: Data, keyPEM: Data)?, signingKey: PrivateKey, node: NodeID, trust: TrustAnchor,
    now: Date
  ) throws -> TransportIdentity? {
    let needed = signingKey.algorithm == .sm2
    guard let pair else {
      if needed {
        throw StoreError.transportCertificate(
          reason:
            "this node signs with SM2, which TLS in OpenSSL 3.0 cannot use, and no TLS certificate was given")
      }
      return nil
    }
    guard needed else {
      throw StoreError.transportCertificate(
        reason: "this node's \(signingKey.algorithm.rawValue) certificate opens TLS connections itself")
    }
    let chain = try Certificate.chain(pem: pair.certificatePEM)
    let key = try PrivateKey(pem: pair.keyPEM)
    guard key.algorithm == .ecdsaP256 || key.algorithm == .ed25519 else {
      throw StoreError.transportCertificate(
        reason: "its key is \(key.algorithm.rawValue); TLS needs P-256 or Ed25519")
    }
    try trust.verify(chain: chain, at: now, now: now)
    let named = try chain[0].nodeIdentity()
    guard named == node.rawValue else {
      throw StoreError.transportCertificate(reason: "it is for node '\(named)', not '\(node)'")
    }
    guard try key.publicKey().matches(chain[0].publicKey()) else {
      throw StoreError.transportCertificate(reason: "the TLS key does not belong to the TLS certificate")
    }
    return TransportIdentity(chain: chain, key: key)
  }

  /// `tls.pem` and `tls.key` if the folder has them; nil when the signing pair does TLS.
  static func load(_ directory: URL) throws -> TransportIdentity? {
    let certificate = directory.appendingPathComponent(certificateFile)
    guard FileManager.default.fileExists(atPath: certificate.path) else { return nil }
    let chain = try Certificate.chain(pem: try NodeHome.readFile(certificate))
    let key = try PrivateKey(pem: try NodeHome.readFile(directory.appendingPathComponent(keyFile)))
    guard try key.publicKey().matches(chain[0].publicKey()) else {
      throw StoreError.transportCertificate(
        reason:
          "\(directory.path)/tls.key does not belong to \(directory.path)/tls.pem; put back the file that was replaced"
      )
    }
    return TransportIdentity(chain: chain, key: key)
  }
}
