import Foundation
import LiandongCore
import LiandongCrypto

extension NodeHome {
  /// The officer recorded with acts the node performs by itself, such as a file's receipt.
  public static let systemOfficer = "system:sync"

  /// Records "received" in the chain of custody of every evidence item this node can see whose
  /// file is `sha256`, with the result of the hash check, shared with each item's audience. An
  /// item whose custody already shows this node's matching receipt gets no second one, unless
  /// this node has since found its copy damaged: then the receipt records the repair.
  public func recordReceipt(of sha256: Data, matched: Bool) throws {
    try receipts.withLock { _ in
      let items = try custodyItems(of: sha256).filter { item in
        guard
          let last = item.custody.last(where: {
            $0.node == node.rawValue
              && ($0.event == CustodyEventKind.damaged.rawValue
                || ($0.event == CustodyEventKind.received.rawValue && $0.hashMatched == true))
          })
        else { return true }
        return last.event == CustodyEventKind.damaged.rawValue
      }
      let repaired = items.contains { item in
        item.custody.contains { $0.node == node.rawValue && $0.event == CustodyEventKind.damaged.rawValue }
      }
      let hash = blobs.digest.displayName
      let note =
        switch (matched, repaired) {
        case (true, true):
          "file received again by sync after this node's copy was found damaged; \(hash) matched"
        case (true, false): "file received by sync; \(hash) matched"
        case (false, _): "file received by sync; \(hash) did not match, discarded"
        }
      try recordCustody(CustodyRecord(event: .received, note: note, hashMatched: matched), on: items)
    }
  }

  /// A held file found altered or missing on this node's disk: it is set aside under
  /// `blobs/damaged/`, is no longer held (so it is never served, and is fetched again from a
  /// peer in its audience that holds it), and "damaged" is recorded in the chain of custody of
  /// every item with this file, saying what was found.
  public func recordDamage(of sha256: Data, finding: BlobFinding) throws {
    try receipts.withLock { _ in
      // Found twice at once (a scrub and a verify): the first one recorded it.
      guard try store.completeSize(of: sha256) != nil else { return }
      try blobs.setAside(sha256)
      try store.recordDamaged(sha256, finding: finding.description)
      try recordCustody(
        CustodyRecord(event: .damaged, note: "\(finding); set aside, to be fetched again from a peer"),
        on: try custodyItems(of: sha256))
    }
  }

  /// Items this node can see with this file, on which it may still record custody (not after it
  /// recorded the item destroyed).
  private func custodyItems(of sha256: Data) throws -> [EvidenceView] {
    try store.evidence().filter { item in
      item.sha256 == sha256.hex
        && item.custody.last(where: { $0.node == node.rawValue })?.event
          != CustodyEventKind.destroyed.rawValue
    }
  }

  /// One change per audience the event goes to: each item's own, its origin and those it was
  /// shared with.
  private func recordCustody(_ custody: CustodyRecord, on items: [EvidenceView]) throws {
    let groups = Dictionary(grouping: items) { "\($0.audience) \($0.origin) \($0.sharedWith)" }
    for group in groups.values {
      let operations = try group.map {
        DomainOperation(objectID: try ObjectID($0.id), action: .recordCustody(custody))
      }
      try record(operations, audience: try group[0].custodyAudience(for: node), officer: Self.systemOfficer)
    }
  }
}
