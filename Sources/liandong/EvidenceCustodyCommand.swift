import ArgumentParser
import Foundation
import LiandongApp
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
    let after = try options.openApp().recordCustody(
      of: try options.objectID(id), CustodyRecord(event: kind, note: note, holder: holder), by: officer.person
    ).view
    if options.json { return try Output.json(after) }
    print(
      "evidence \(after.id): \(kind.rawValue) recorded (\(after.custody.count) events in its chain of custody)"
    )
  }
}
