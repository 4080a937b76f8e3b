import ArgumentParser
import Foundation
import LiandongCore
import LiandongStore

struct EvidenceCustody: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "custody",
    abstract: "Record an event in an evidence item's chain of custody.",
    discussion: """
      Events: \(CustodyEventKind.allCases.map(\.rawValue).joined(separator: ", ")).
      Each is a signed change, shared with the evidence's audience; the chain only grows. A file \
      received by sync records 'received' with its hash check by itself.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The evidence item's ID.") var id: String
  @Argument(help: "The event.") var event: String
  @Option(help: "What happened, in a sentence.") var note = ""
  @Option(help: "For handed-over: to whom (a node, or an office such as a police station).") var holder = ""
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let kind = try CustodyEventKind(canonical: event)
    let objectID = try ObjectID(id)
    let home = try options.openNode()
    guard let before = try home.store.evidence(id: objectID.description) else {
      throw StoreError.notFound(kind: "evidence", id: objectID.description)
    }
    if kind == .handedOver && holder.isEmpty {
      throw UsageError(code: "usage.holder", message: "say to whom it was handed over with --holder")
    }
    let audience = try before.custodyAudience(for: home.node)
    try home.recordAct(
      DomainOperation(
        objectID: objectID, action: .recordCustody(CustodyRecord(event: kind, note: note, holder: holder))),
      named: kind.rawValue, audience: audience, officer: officer)
    let after = try home.store.evidence(id: objectID.description)!
    if options.json { return try Output.json(after) }
    print(
      "evidence \(after.id): \(kind.rawValue) recorded (\(after.custody.count) events in its chain of custody)"
    )
  }
}
