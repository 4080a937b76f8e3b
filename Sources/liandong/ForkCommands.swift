import ArgumentParser
import Foundation
import LiandongApp
import LiandongStore

struct ForkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fork", abstract: "Forks of a node's chain: list them, and decide this node's own.",
    subcommands: [ForkList.self, ForkKeep.self])
}

struct ForkList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the forks this node holds proof of, and how each stands.",
    discussion: """
      A fork is two changes one origin signed with the same sequence number: a restored backup, a \
      virtual machine rolled back, or a stolen key. Its origin is quarantined on every node until \
      the fork is decided, by the origin's operator ('liandong fork keep' on that node) or by the \
      federation authority (a manifest with "forks").
      """)
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let forks = try options.openApp().changeLog.forks()
    if options.json { return try Output.json(forks) }
    if forks.isEmpty { return print("no forks") }
    for fork in forks {
      print(
        "\(fork.origin)#\(fork.sequence): \(fork.heldChange) (held here) vs \(fork.otherChange), detected \(fork.detectedAt)"
      )
      print("  " + Self.standing(fork))
    }
  }

  static func standing(_ fork: ForkView) -> String {
    if let kept = fork.kept {
      return "decided by "
        + (fork.decidedBy == "origin" ? "\(fork.origin)'s operator" : "the federation authority")
        + ": \(kept.prefix(12)) stands"
    }
    if fork.contested {
      return "contested: \(fork.origin)'s key chose both; only the federation authority decides now"
    }
    return "not decided: \(fork.origin)'s operator decides with 'liandong fork keep CHANGE' on \(fork.origin)"
  }
}

struct ForkKeep: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "keep",
    abstract: "Decide which change of a fork of this node's own chain stands.",
    discussion: """
      Run it on the node whose chain forked, once you know which change is the node's own: the \
      other was signed by an older copy of it (a restored backup, a snapshot) or by whoever copied \
      its key. The decision travels in a checkpoint this node signs, and every node applies it \
      alike: the other change and what followed it stay as evidence with no effect, and the \
      quarantine ends. If your node's change is the one set aside, it hears from every peer \
      before it writes again ('liandong sync --all').

      A decision is final. If the node's key may be in someone else's hands, do not decide here: \
      have its certificate revoked, and ask the federation CA's operator to decide in a manifest \
      with "forks" (the key's word counts only while its certificate is not revoked, and not at \
      all once it has chosen both changes).

      Example: liandong fork keep 9f2c41d07a5b
      """)
  @OptionGroup var options: NodeOptions
  @Argument(
    help:
      "The change that stands: its ID, or its first 8 or more hex digits, as 'liandong fork list' shows them."
  )
  var change: String

  func execute() throws {
    let result = try options.openApp().keepOwnFork(change)
    if options.json { return try Output.json(result) }
    let choice = result.choice
    print(
      choice.alreadyDecided
        ? "already decided: \(choice.kept.prefix(12)) stands at #\(choice.sequence)"
        : "decided: \(choice.kept.prefix(12)) stands at #\(choice.sequence); the checkpoint carrying it reaches every node by sync"
    )
    if let waiting = result.waitingFor {
      print(
        "this node's own change was set aside: it writes again once it has synced with "
          + (waiting.isEmpty ? "its peers" : waiting.joined(separator: ", ")) + " ('liandong sync --all')")
    }
    if !result.quarantined.isEmpty {
      print("still quarantined: \(result.quarantined.joined(separator: ", "))")
    }
  }
}
