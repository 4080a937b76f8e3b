import Foundation
import LiandongCore
import LiandongCrypto

extension NodeHome {
  /// The officer recorded with acts the node performs by itself, such as a file's receipt.
  public static let systemOfficer = "system:sync"

  /// Records "received" in the chain of custody of every evidence item this node can see whose
  /// file is `sha256`, with the result of the hash check, shared with each item's audience. An
  /// item whose custody already shows this node's matching receipt gets no second one.
  public func recordReceipt(of sha256: Data, matched: Bool) throws {
    try receipts.withLock { _ in try recordReceiptOnce(of: sha256, matched: matched) }
  }

  private func recordReceiptOnce(of sha256: Data, matched: Bool) throws {
    let items = try store.evidence().filter { item in
      item.sha256 == sha256.hex
        && !item.custody.contains {
          $0.event == "received" && $0.node == node.rawValue && $0.hashMatched == true
        }
    }
    // One change per audience the receipt goes to: each item's own, and its origin.
    let groups = Dictionary(grouping: items) { "\($0.audience) \($0.origin) \($0.sharedWith)" }
    for group in groups.values {
      let operations = try group.map {
        DomainOperation(
          objectID: try ObjectID($0.id),
          action: .recordCustody(
            CustodyRecord(
              event: .received,
              note: matched
                ? "file received by sync; SHA-256 matched"
                : "file received by sync; SHA-256 did not match, discarded",
              hashMatched: matched)))
      }
      try record(operations, audience: try group[0].custodyAudience(for: node), officer: Self.systemOfficer)
    }
  }
}
