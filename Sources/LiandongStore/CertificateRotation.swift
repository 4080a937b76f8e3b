import Foundation
import GRDB
import LiandongCore
import LiandongCrypto

/// A certificate an origin announced, as `cert show` lists it.
public struct AnnouncedCertificateView: Codable, Sendable, Equatable {
  public var fingerprint: String
  public var serial: String
  public var subject: String
  public var notBefore: String
  public var notAfter: String
  /// The change that announced it.
  public var announcedIn: String
  /// Whether this node signs with it now (only for the node's own certificates).
  public var inUse: Bool
}

/// What a rotation did.
public struct CertificateRotation: Codable, Sendable, Equatable {
  public var previousFingerprint: String
  public var fingerprint: String
  public var serial: String
  public var notAfter: String
  /// The change, signed with the previous key, that announced the new certificate; nil when an
  /// earlier, interrupted run had announced it already, or nothing changed.
  public var announcedIn: String?
  /// The new pair was already in use: nothing was done.
  public var alreadyInUse: Bool
}

extension ChangeLog where Self: LogBackedStore {
  /// The certificates `origin` announced, in the order they were announced; `current` is the
  /// fingerprint the node signs with now, if the origin is this node.
  public func announcedCertificates(of origin: NodeID, current: Data?) throws
    -> [AnnouncedCertificateView]
  {
    try snapshot { db in
      try db.rows(
        """
        SELECT p.fingerprint, p.serial, p.subject, p.not_before, p.not_after, p.announced_in
        FROM p_certificates p JOIN changes c ON c.id = p.announced_in
        WHERE p.node = ? ORDER BY c.sequence
        """, origin.rawValue
      ).map { row in
        AnnouncedCertificateView(
          fingerprint: (row["fingerprint"] as Data).hex, serial: row["serial"], subject: row["subject"],
          notBefore: row["not_before"], notAfter: row["not_after"],
          announcedIn: (row["announced_in"] as Data).hex,
          inUse: current == row["fingerprint"] as Data)
      }
    }
  }
}

extension NodeHome {
  /// Replaces the node's certificate and key. The new certificate must chain to the federation
  /// CA, be valid and unrevoked now, name this node, and match the key. It is announced by a
  /// change signed with the current key (so every peer can tell it is this node's, not an
  /// impostor's, and verify later changes), and only then do the files change. Changes signed
  /// before keep verifying under the old certificate, even after the CA revokes it, because a
  /// change is checked at its own time. Running it again after an interruption finishes the job
  /// without announcing twice.
  public func rotateCertificate(certificatePEM: Data, keyPEM: Data, officer: String, now: Date = Date())
    throws
    -> CertificateRotation
  {
    let newChain = try Certificate.chain(pem: certificatePEM)
    let newKey = try PrivateKey(pem: keyPEM)
    let leaf = newChain[0]
    let current = chain[0]
    try trust.verify(chain: newChain, at: now, now: now)
    let named = try leaf.nodeIdentity()
    guard named == node.rawValue else {
      throw StoreError.certificateNamesAnotherNode(certificateNode: named, requested: node.rawValue)
    }
    guard try newKey.publicKey().matches(leaf.publicKey()) else {
      throw StoreError.keyDoesNotMatchCertificate
    }
    guard trust.suite.admits(newKey.algorithm) else {
      throw StoreError.keyNotOfSuite(key: newKey.algorithm, federation: trust.suite)
    }
    var outcome = CertificateRotation(
      previousFingerprint: current.fingerprint.hex, fingerprint: leaf.fingerprint.hex, serial: leaf.serialHex,
      notAfter: leaf.notAfter.iso8601, announcedIn: nil, alreadyInUse: leaf.fingerprint == current.fingerprint
    )
    if outcome.alreadyInUse { return outcome }

    let announced = try store.announcedCertificates(of: node).contains {
      $0.fingerprint == leaf.fingerprint.hex
    }
    if !announced {
      let change = try record(
        [DomainOperation(objectID: ObjectID(), action: .announceNode(certificateChain: newChain.map(\.der)))],
        audience: .all, officer: officer, now: now)
      outcome.announcedIn = change.id.hex
    }
    try NodeIdentityFiles(directory: directory).replace(certificatePEM: certificatePEM, keyPEM: keyPEM)
    try reloadIdentity()
    return outcome
  }
}
