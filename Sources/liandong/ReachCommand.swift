import ArgumentParser
import Foundation
import LiandongApp
import LiandongStore

struct ReachCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "reach",
    abstract: "Whether an object has reached other nodes, change by change, and if not why.",
    discussion: """
      For each change of the object (its creation and every act on it) and each node, one of: \
      made there; proven held since a time (the node's own signed checkpoint); outside the \
      change's audience (it gets only the signed header); held by its word (it said so in the \
      last sync with it, no checkpoint yet); refused there, with its code; sent in a sync that \
      ended before it was acknowledged; only the header held here; or not yet sent.

      Answered from this node's log, the checkpoints it holds and its last sync with each node: \
      a node this one never syncs with is reached through others, and only its checkpoints speak \
      for it here.

      Examples:
        liandong reach 0f3a9c2e71d4 --at yrd
        liandong reach 0f3a9c2e71d4 --json
      """)
  @OptionGroup var options: NodeOptions
  @Argument(
    help: "The object's ID (a lead, evidence item, request or subject), or its first 8 or more hex digits.")
  var id: String
  @Option(
    name: .customLong("at"), help: "A node to ask about (repeat for several; every other node when absent).")
  var nodes: [String] = []

  func execute() throws {
    let app = try options.openApp()
    let reaches = try app.reach(of: app.objectID(id), at: nodes)
    if options.json { return try Output.json(reaches) }
    for reach in reaches {
      print("\(reach.node): \(reach.arrived ? "arrived" : "not all arrived")")
      for change in reach.changes {
        print("  \(change.change.prefix(12))  \(change.origin)  \(change.what.prefix(60))")
        print("      \(change.explanation)")
      }
    }
  }
}
