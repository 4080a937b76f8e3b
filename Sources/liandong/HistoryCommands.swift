import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct HistoryCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract:
      "Every operation on an object: when, which node, which officer, what, any that were refused, and which nodes are proven to hold it.",
    discussion: """
      ID is any object: a lead, subject, evidence item or request. For a case received by hand-off, \
      the operations this node cannot read are shown as the bureau that handed it off described \
      them ('liandong handoff share'). 'held by' lists the other nodes whose own signed \
      checkpoints prove they held the operation's change, each since its earliest such checkpoint: \
      a node signs one at the end of a sync when what it holds has moved ('checkpointSeconds' in \
      node.json, default 60), and sync passes them on.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The object's ID.") var id: String

  func execute() throws {
    let object = try options.objectID(id)
    let entries = try options.openApp().views.history(of: object)
    if options.json { return try Output.json(entries) }
    guard !entries.isEmpty else { throw StoreError.notFound(kind: "object", id: object.description) }
    for entry in entries {
      print("\(entry.time)  \(entry.node) (\(entry.officer))  \(entry.what)")
      if let refused = entry.refused { print("    REFUSED, no effect: \(refused)") }
      if let stamped = entry.stamped {
        print(
          "    stamped \(stamped): \(entry.node)'s clock had run ahead, and its clock correction re-timed it")
      }
      if let sharedBy = entry.sharedBy {
        print(
          "    operation \(entry.operation), not held here: as \(sharedBy) described it when it handed the case off"
        )
      } else {
        print("    operation \(entry.operation)")
      }
      // Proof of receipt: each node's own signed checkpoint, not this node's word.
      if let heldBy = entry.heldBy, !heldBy.isEmpty {
        print("    held by " + heldBy.map { "\($0.node) since \($0.since)" }.joined(separator: ", "))
      }
    }
  }
}

struct ConflictsCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "conflicts",
    abstract: "Acts made at once that cannot both stand, until a signed resolution settles each.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let conflicts = try options.openApp().views.conflicts()
    if options.json { return try Output.json(conflicts) }
    guard !conflicts.isEmpty else { return print("no conflicts") }
    for conflict in conflicts {
      print("\(conflict.kind) \(conflict.id) (\(conflict.between))")
      for act in conflict.acts.split(separator: ";") {
        print("  \(act.trimmingCharacters(in: .whitespaces))")
      }
      print("  resolve: \(conflict.resolveWith)")
    }
  }
}
