import Foundation
import LiandongCore
import LiandongCrypto

/// A set of the CA's revocation lists that a change relayed (`liandong crl install` on any node).
public struct RelayedRevocationLists: Sendable {
  public var rank: RevocationListRank
  /// The lists as `crl.pem` holds them.
  public var pem: Data
  /// The first change (by ID) that carried them.
  public var publishedIn: ChangeID
}

extension LogTables {
  /// Records the revocation lists a stored change relays. The verifier checked them at ingest;
  /// `NodeHome` checks them under the CA again before it puts any in force, since a change an older
  /// version stored was never checked. True when the change relayed any.
  @discardableResult
  static func registerRevocationLists(in change: SignedChange, _ body: ChangeBody?, _ db: StoreConnection)
    throws -> Bool
  {
    var registered = false
    for operation in body?.operations ?? [] {
      guard case .publishRevocationLists(let ders) = operation.action, !ders.isEmpty,
        let lists = try? ders.map(RevocationList.init(der:))
      else { continue }
      var pem = Data()
      for list in lists { pem.append(try list.pem()) }
      let rank = RevocationListRank(lists, digest: change.header.suite.digest)
      try db.run(
        """
        INSERT INTO p_revocation_lists (digest, number, issued_millis, pem, published_in) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (digest) DO UPDATE SET published_in = \(smaller("p_revocation_lists.published_in"))
        """, rank.digest, rank.number, rank.issuedMillis, pem, change.id.bytes)
      registered = true
    }
    return registered
  }
}

extension RevocationRecords where Self: LogBackedStore {
  /// Every set relayed, highest first (`RevocationListRank`).
  public func relayedRevocationLists() throws -> [RelayedRevocationLists] {
    try snapshot { db in
      try db.rows(
        """
        SELECT digest, number, issued_millis, pem, published_in FROM p_revocation_lists
        ORDER BY number DESC, issued_millis DESC, digest ASC
        """
      ).compactMap { row in
        guard let change = ChangeID(bytes: row["published_in"]) else { return nil }
        return RelayedRevocationLists(
          rank: RevocationListRank(
            number: row["number"], issuedMillis: row["issued_millis"], digest: row["digest"]),
          pem: row["pem"], publishedIn: change)
      }
    }
  }
}
