import Foundation

/// Which of two sets of the CA's revocation lists replaces the other, the same on every node:
/// the higher CRL number (RFC 5280 §5.2.3: the CA counts its lists up), then the later issue
/// time, then, of two sets the CA issued alike, the smaller digest. A node puts the highest set it
/// holds in force, whether an operator installed it or a peer relayed it.
public struct RevocationListRank: Comparable, Hashable, Sendable {
  /// The highest CRL number in the set; -1 when no list carries one.
  public var number: Int64
  public var issuedMillis: Int64
  /// The federation suite's hash (SHA-256, or SM3 in an `sm` federation) over the lists' DER in
  /// order: equal digests mean the same set.
  public var digest: Data

  public init(number: Int64, issuedMillis: Int64, digest: Data) {
    self.number = number
    self.issuedMillis = issuedMillis
    self.digest = digest
  }

  /// `digest` is the federation's (`CryptoSuite.digest`): every node of it ranks alike.
  public init(_ lists: [RevocationList], digest algorithm: DigestAlgorithm) {
    number = lists.compactMap(\.number).max() ?? -1
    issuedMillis =
      lists.compactMap(\.lastUpdate).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
      .max() ?? 0
    let hasher = algorithm.hasher()
    for list in lists { hasher.update(list.der) }
    digest = hasher.finalize()
  }

  public static func < (lower: Self, higher: Self) -> Bool {
    if lower.number != higher.number { return lower.number < higher.number }
    if lower.issuedMillis != higher.issuedMillis { return lower.issuedMillis < higher.issuedMillis }
    return higher.digest.lexicographicallyPrecedes(lower.digest)
  }
}

extension RevocationListRank: CustomStringConvertible {
  /// "CRL number 7, issued 2026-12-01T00:00:00Z": how commands name a set.
  public var description: String {
    let issued = Date(timeIntervalSince1970: Double(issuedMillis) / 1000).iso8601
    return number >= 0 ? "CRL number \(number), issued \(issued)" : "CRL issued \(issued)"
  }
}
