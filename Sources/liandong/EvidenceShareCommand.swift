import ArgumentParser
import Foundation
import LiandongApp
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
    let after = try options.openApp().shareEvidence(
      [try options.objectID(id)], with: to, note: note, by: officer.person
    )
    .view[0]
    if options.json { return try Output.json(after) }
    print(
      "evidence \(after.id) is now shared with \(after.sharedWith.sorted().joined(separator: ", ")); they fetch the file from this node on their next sync"
    )
  }
}
