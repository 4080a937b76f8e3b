import ArgumentParser
import Foundation
import LiandongCore
import LiandongStore

struct EvidenceShareCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "share",
    abstract: "Share an evidence item this node holds with more bureaus, by a signed act.",
    discussion: """
      The item's record travels again, in a new change addressed to the bureaus named by --to \
      (node IDs or group:NAME; never 'all'), with a 'handed-over' custody event. They may then \
      fetch the file from this node, and record 'received' with the hash check when it arrives. \
      The audience of the change that added the item is never widened. 'liandong handoff share' \
      does this for every item of a case handed off.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The evidence item's ID.") var id: String
  @Option(
    help: ArgumentHelp(
      "The bureaus to share it with: node IDs or group:NAME, separated by commas.", valueName: "nodes"))
  var to: String
  @Option(help: "Why it is shared, for the chain of custody.") var note = ""
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let objectID = try ObjectID(id)
    let home = try options.openNode()
    let recipients = try EvidenceSharing.recipients(to, home: home)
    let operations = try EvidenceSharing.operations(
      for: objectID.description, to: recipients, note: note, home: home)
    try home.recordActs(operations, named: "share", audience: .nodes(recipients), officer: officer)
    let after = try home.store.evidence(id: objectID.description)!
    if options.json { return try Output.json(after) }
    print(
      "evidence \(after.id) shared with \(recipients.sorted().map(\.rawValue).joined(separator: ", ")); they fetch the file from this node on their next sync"
    )
  }
}

/// Sharing evidence with more bureaus: one `shareEvidence` and one `handed-over` custody event
/// per item, in a change addressed to the recipients alone.
enum EvidenceSharing {
  static func recipients(_ text: String, home: NodeHome) throws -> Set<NodeID> {
    let audience = try Audience(parsing: text, manifest: try home.store.currentManifest()?.view.manifest)
    guard case .nodes(let nodes) = audience, !nodes.subtracting([home.node]).isEmpty else {
      throw UsageError(
        code: "usage.share-to",
        message: "share evidence with named bureaus (--to yrd,prd or --to group:NAME), not with all or no one"
      )
    }
    return nodes.subtracting([home.node])
  }

  static func operations(for id: String, to recipients: Set<NodeID>, note: String, home: NodeHome) throws
    -> [DomainOperation]
  {
    guard let share = try home.store.evidenceShare(id: id), let view = try home.store.evidence(id: id) else {
      throw StoreError.notFound(kind: "evidence", id: id)
    }
    let holders = Set(view.sharedWith + [view.origin])
    guard
      try Audience(parsing: view.audience).includes(home.node, origin: share.origin)
        || holders.contains(home.node.rawValue)
    else {
      throw UsageError(
        code: "op.not-party", message: "this node does not hold evidence \(id), so cannot share it")
    }
    let objectID = try ObjectID(id)
    let names = recipients.sorted().map(\.rawValue).joined(separator: ",")
    return [
      DomainOperation(objectID: objectID, action: .shareEvidence(share)),
      DomainOperation(
        objectID: objectID,
        action: .recordCustody(
          CustodyRecord(
            event: .handedOver, note: note.isEmpty ? "shared by a signed act" : note, holder: names))),
    ]
  }
}
