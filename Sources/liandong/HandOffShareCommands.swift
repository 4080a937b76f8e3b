import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct HandOffShare: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "share",
    abstract: "After a hand-off, share the case's history and evidence with the new owner.",
    discussion: """
      Run by the bureau that handed the case off, once the new owner accepted it (or a superior \
      designated it). One signed change, addressed to the new owner alone, carries the case's \
      operations as this node holds them ('liandong history') and, for each evidence item of the \
      case and of the offer's list, its record and a 'handed-over' custody event. The new owner \
      then fetches the files from this node and records 'received' with the hash check. No old \
      change's audience is widened (Art. 23 lets the receiving bureau use the evidence).
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(
    help: ArgumentHelp(
      "Share only these evidence items (repeat); default: all of the case's.", valueName: "id"))
  var evidence: [String] = []
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let shared = try options.openApp().shareHandedOffCase(
      try options.objectID(lead), evidence: try evidence.map { try options.objectID($0) }, by: officer.person
    ).view
    if options.json { return try Output.json(shared) }
    print(
      "case \(shared.id): \(shared.historyEntries) history entries and \(shared.evidence.count) evidence items shared with \(shared.sharedWith)"
    )
  }
}

struct HandOffResolve: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Resolve a hand-off conflict: name the act that stands.",
    discussion: """
      An acceptance or objection made at the same time as a withdrawal, or two designations of \
      different bureaus, cannot both stand: the case stays where it was before either, and \
      'liandong conflicts' lists the acts with their operation IDs. A bureau whose act is among \
      them resolves it by naming the one that stands; it is then applied.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(
    help: ArgumentHelp(
      "The conflicting act that stands, as 'liandong conflicts' shows it.", valueName: "operation"))
  var keep: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffRequest.resolve(keep: try OperationRef(keep)).perform(
      on: lead, options: options, officer: officer)
  }
}
