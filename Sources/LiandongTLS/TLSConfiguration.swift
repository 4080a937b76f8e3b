import Foundation
import LiandongCore
import LiandongCrypto

/// What a node presents and trusts on its TLS connections.
public struct TLSConfiguration: Sendable {
  public var trust: TrustAnchor
  public var chain: [Certificate]
  public var key: PrivateKey
  /// When set, a listener accepts only these nodes (after their certificates verify).
  public var allowList: Set<NodeID>?
  public var handshakeTimeout: TimeInterval
  public var idleTimeout: TimeInterval
  /// How much an unauthenticated peer may send before the handshake completes. A ClientHello
  /// with a certificate chain is a few kilobytes; a refused peer costs no more than this.
  public var maximumHandshakeBytes: Int

  public init(
    trust: TrustAnchor, chain: [Certificate], key: PrivateKey, allowList: Set<NodeID>? = nil,
    handshakeTimeout: TimeInterval = 10, idleTimeout: TimeInterval = 60,
    maximumHandshakeBytes: Int = 32 * 1024
  ) {
    self.trust = trust
    self.chain = chain
    self.key = key
    self.allowList = allowList
    self.handshakeTimeout = handshakeTimeout
    self.idleTimeout = idleTimeout
    self.maximumHandshakeBytes = maximumHandshakeBytes
  }
}
