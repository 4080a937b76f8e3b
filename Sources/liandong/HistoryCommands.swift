import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct HistoryCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract:
      "Every operation on an object: when, which node, which officer, what, and any that were refused.",
    discussion: """
      ID is any object: a lead, subject, evidence item or request. For a case received by hand-off, \
      the operations this node cannot read are shown as the bureau that handed it off described \
      them ('liandong handoff share').
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
      if let sharedBy = entry.sharedBy {
        print(
          "    operation \(entry.operation), not held here: as \(sharedBy) described it when it handed the case off"
        )
      } else {
        print("    operation \(entry.operation)")
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
