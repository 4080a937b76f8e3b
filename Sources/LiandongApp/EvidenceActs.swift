import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// Attaches a file to a lead (or any object) as evidence: the record is checked before the file
  /// is copied, the file is stored by its SHA-256, and the change names both. Without an explicit
  /// audience the evidence goes to everyone who may see the lead, its origin and owner included.
  public func addEvidence(
    to item: ObjectID, file: URL, record draft: EvidenceRecord, audience explicit: Audience?,
    by officer: Officer, now: Date = Date()
  ) throws -> ActResult<EvidenceView> {
    let resolved = file.resolvingSymlinksInPath()
    let result = try addEvidence(to: item, record: draft, audience: explicit, by: officer, now: now) {
      try local.blobs.importFile(resolved)
    }
    return resolved.path == file.standardizedFileURL.path
      ? result
      : result.adding(["\(file.path) is a symbolic link: added the file it points to, \(resolved.path)"])
  }

  /// `addEvidence` with the file stored by `storeFile` once the record and its item are checked,
  /// and before the change is signed.
  func addEvidence(
    to item: ObjectID, record draft: EvidenceRecord, audience explicit: Audience?, by officer: Officer,
    now: Date, storeFile: () throws -> (sha256: Data, size: UInt64)
  ) throws -> ActResult<EvidenceView> {
    let audience: Audience
    if let explicit {
      audience = explicit
    } else if let lead = try store.lead(item.description) {
      audience = try ActAudience.on(lead, by: node)
    } else {
      throw UsageError(
        code: "usage.no-audience",
        message: "this node holds no lead \(item); say who may see the evidence with --to")
    }
    // A mistyped ID would attach evidence to nothing: the item must be held, or known by a stub.
    guard try !store.history(of: item).isEmpty else {
      throw StoreError.notFound(kind: "lead or request", id: item.description)
    }
    var record = draft
    try record.validate()
    // A capture in the future is a typo (2099 for 2026) or a wrong clock; a few minutes' drift is not.
    if let captured = ISO8601DateFormatter().date(from: record.capturedAt),
      captured > now.addingTimeInterval(300)
    {
      throw UsageError(
        code: "input.date-in-future",
        message:
          "the capture time \(record.capturedAt) is after now (\(now.iso8601)); give when it was captured")
    }
    (record.sha256, record.size) = try storeFile()
    let evidenceID = local.newObjectID()
    return try act(
      "evidence add", [DomainOperation(objectID: evidenceID, action: .addEvidence(record))],
      audience: audience,
      by: officer, now: now
    ) { try self.evidence(evidenceID) }
  }

  /// One event in an item's chain of custody, shared with its audience, its origin and every
  /// node it was shared with.
  public func recordCustody(
    of id: ObjectID, _ event: CustodyRecord, by officer: Officer, now: Date = Date()
  ) throws -> ActResult<EvidenceView> {
    let before = try evidence(id)
    if event.event == .handedOver && event.holder.isEmpty {
      throw UsageError(code: "usage.holder", message: "say to whom it was handed over with --holder")
    }
    return try act(
      event.event.rawValue, [DomainOperation(objectID: id, action: .recordCustody(event))],
      audience: try before.custodyAudience(for: node), by: officer, now: now
    ) { try self.evidence(id) }
  }

  /// Shares items with more bureaus by a signed act addressed to them alone: the audience of the
  /// change that added an item is never widened.
  public func shareEvidence(
    _ ids: [ObjectID], with recipientText: String, note: String, by officer: Officer, now: Date = Date()
  ) throws -> ActResult<[EvidenceView]> {
    let recipients = try shareRecipients(recipientText)
    let operations = try ids.flatMap { try shareOperations(for: $0, to: recipients, note: note) }
    return try act("share", operations, audience: .nodes(recipients), by: officer, now: now) {
      try ids.map { try self.evidence($0) }
    }
  }

  /// Named bureaus other than this one: never `all`, never no one.
  func shareRecipients(_ text: String) throws -> Set<NodeID> {
    guard !text.trimmingCharacters(in: .whitespaces).isEmpty,
      case .nodes(let nodes) = try audience(parsing: text),
      !nodes.subtracting([node]).isEmpty
    else {
      throw UsageError(
        code: "usage.share-to",
        message: "share evidence with named bureaus (--to yrd,prd or --to group:NAME), not with all or no one"
      )
    }
    return nodes.subtracting([node])
  }

  /// One `shareEvidence` and one `handed-over` custody event for an item this node holds.
  func shareOperations(for id: ObjectID, to recipients: Set<NodeID>, note: String) throws -> [DomainOperation]
  {
    guard let share = try store.evidenceShare(id: id.description),
      let view = try store.evidence(id: id.description)
    else { throw StoreError.notFound(kind: "evidence", id: id.description) }
    let holders = Set(view.sharedWith + [view.origin])
    guard
      try Audience(parsing: view.audience).includes(node, origin: share.origin)
        || holders.contains(node.rawValue)
    else {
      throw UsageError(
        code: "op.not-party", message: "this node does not hold evidence \(id), so cannot share it")
    }
    let names = recipients.sorted().map(\.rawValue).joined(separator: ",")
    return [
      DomainOperation(objectID: id, action: .shareEvidence(share)),
      DomainOperation(
        objectID: id,
        action: .recordCustody(
          CustodyRecord(
            event: .handedOver, note: note.isEmpty ? "shared by a signed act" : note, holder: names))),
    ]
  }

  public func evidence(_ id: ObjectID) throws -> EvidenceView {
    try existing("evidence", id) { try store.evidence(id: $0) }
  }

  /// Where the item's file is on this node (a path, or an object's address in the evidence
  /// store), once it is held complete.
  public func heldFileLocation(of evidence: EvidenceView) throws -> String? {
    try Data(hex: evidence.sha256).flatMap { try local.blobs.location($0) }
  }

  /// The item's file read from its start and checked against its hash on the way, once held.
  public func heldFileReader(of evidence: EvidenceView) throws -> BlobReader? {
    try Data(hex: evidence.sha256).flatMap { try local.blobs.reader($0) }
  }
}
