import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
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

  /// Reads the CA and CRL files again, and the node's certificate and key; returns a line for
  /// the log. The CA's word applies to everything at once: the TLS contexts, the sessions'
  /// verifier and this node's own writes (`NodeHome.installTrust`), even when it revokes this
  /// node, whose writes are then refused until it has a new certificate. A new certificate of
  /// the node's own (after `cert rotate`) is used only if it is good under the new trust;
  /// otherwise the one in use is kept.
  public func reload() throws -> (summary: String, ownCertificateProblem: String?) {
    let trust = try NodeHome.readTrust(home.directory)
    var problem: String? = nil
    let leaf: Certificate
    do {
      leaf = try home.reloadIdentity { chain in try trust.verify(chain: chain, at: Date()) }
    } catch {
      leaf = home.chain[0]
      let reason = (error as? any CodedError)?.description ?? "it does not verify"
      problem =
        "this node's certificate is not valid under the new CA or CRL (\(reason)): peers refuse it, and its own "
        + "writes are refused until a new certificate is installed with 'liandong cert rotate'"
    }
    let next = try Self.load(home: home, trust: trust, allowList: allowList)
    try home.installTrust(trust)
    current.withLock { $0 = next }
    return (
      "trust reloaded: CA, \(trust.revocationLists.isEmpty ? "no CRL" : "CRL"), certificate serial \(leaf.serialHex)",
      problem
    )
  }

  static func load(home: NodeHome, trust: TrustAnchor, allowList: Set<NodeID>?) throws -> Current {
    let transport = try home.transport()
    let configuration = TLSConfiguration(
      trust: trust, chain: transport.chain, key: transport.key, allowList: allowList)
    return Current(
      server: try TLSContext(configuration, role: .server),
      client: try TLSContext(configuration, role: .client),
      verifier: ChangeVerifier(trust: trust))
  }
}
