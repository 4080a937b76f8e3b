import Foundation
import LiandongCore
import LiandongErrors

extension NodeApp {
  /// Whether the node can do its work now (`/readyz`): the store answers, its certificate is
  /// valid, every CRL is still current (else every TLS handshake fails), and its clock is not
  /// behind what it already holds. Throws `node.not-ready` naming each problem.
  public func checkReady(now: Date = Date()) throws {
    var problems: [String] = []
    let latest = try store.latestChangeTime()
    let drift = TimeInterval(HybridLogicalClock.defaultMaximumDriftMillis) / 1000
    let latestDate = Date(timeIntervalSince1970: TimeInterval(latest.wallMillis) / 1000)
    if latestDate.timeIntervalSince(now) > drift {
      problems.append(
        "this machine's clock (\(now.iso8601)) is behind the newest change it holds (\(latestDate.iso8601)): check NTP"
      )
    }
    if let certificate = home.chain.first {
      if certificate.notAfter <= now {
        problems.append("the node's certificate expired at \(certificate.notAfter.iso8601)")
      } else if certificate.notBefore > now {
        problems.append(
          "the node's certificate is valid only from \(certificate.notBefore.iso8601): check the clock")
      }
    }
    for list in home.trust.revocationLists {
      if let next = list.nextUpdate, next <= now {
        problems.append(
          "the CA's CRL expired at \(next.iso8601): install a fresh one ('liandong crl install')")
      }
      if let issued = list.lastUpdate, issued.timeIntervalSince(now) > drift {
        problems.append(
          "the CA's CRL was issued at \(issued.iso8601), after this machine's time: check the clock")
      }
    }
    guard problems.isEmpty else {
      throw UsageError(code: "node.not-ready", message: "not ready: " + problems.joined(separator: "; "))
    }
  }
}
