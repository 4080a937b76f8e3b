import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import LiandongTLS
import Synchronization

/// What a running node trusts and shows: the federation CA and its CRL, and its own certificate
/// and key, as TLS contexts and as the change verifier. `reload` reads `ca.pem`, `crl.pem`,
/// `node.pem` and `node.key` again and swaps everything at once, so a new CRL or a rotated
/// certificate takes effect for the next connection and the next change, without a restart. If
/// the files do not load, the node keeps what it had.
public final class NodeTrust: Sendable {
  struct Current: Sendable {
    var server: TLSContext
    var client: TLSContext
    var verifier: ChangeVerifier
  }

  private let home: NodeHome
  private let allowList: Set<NodeID>?
  private let current: Mutex<Current>

  public init(home: NodeHome, allowList: Set<NodeID>?) throws {
    self.home = home
    self.allowList = allowList
    current = Mutex(try Self.load(home: home, trust: home.trust, allowList: allowList))
  }

  public var server: TLSContext { current.withLock { $0.server } }
  public var client: TLSContext { current.withLock { $0.client } }
  public var verifier: ChangeVerifier { current.withLock { $0.verifier } }

  /// Reads the CA and CRL files again; returns a line for the log.
  public func reload() throws -> String {
    let ca = try Data(contentsOf: home.directory.appendingPathComponent("ca.pem"))
    let crlURL = home.directory.appendingPathComponent("crl.pem")
    let crl = FileManager.default.fileExists(atPath: crlURL.path) ? try Data(contentsOf: crlURL) : nil
    let trust = try TrustAnchor(caPEM: ca, crlPEM: crl)
    // The node's own certificate (a new one after `cert rotate`) must be good under the new
    // trust, or it could not talk.
    let leaf = try home.reloadIdentity { chain in try trust.verify(chain: chain, at: Date()) }
    let next = try Self.load(home: home, trust: trust, allowList: allowList)
    current.withLock { $0 = next }
    return "trust reloaded: CA, \(crl == nil ? "no CRL" : "CRL"), certificate serial \(leaf.serialHex)"
  }

  static func load(home: NodeHome, trust: TrustAnchor, allowList: Set<NodeID>?) throws -> Current {
    let configuration = TLSConfiguration(trust: trust, chain: home.chain, key: home.key, allowList: allowList)
    return Current(
      server: try TLSContext(configuration, role: .server),
      client: try TLSContext(configuration, role: .client),
      verifier: ChangeVerifier(trust: trust, maximumDriftMillis: home.verifier.maximumDriftMillis))
  }
}
