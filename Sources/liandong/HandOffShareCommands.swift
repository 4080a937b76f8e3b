import ArgumentParser
import Foundation
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

  struct Summary: Encodable {
    var id: String
    var sharedWith: String
    var historyEntries: Int
    var evidence: [String]
  }

  func execute() throws {
    let objectID = try ObjectID(lead)
    let home = try options.openNode()
    guard let view = try home.store.lead(objectID.description) else {
      throw StoreError.notFound(kind: "case (lead)", id: objectID.description)
    }
    guard let handOff = view.handOff, ["accepted", "designated"].contains(handOff.state),
      handOff.from == home.node.rawValue
    else {
      throw UsageError(
        code: "handoff.nothing-to-share",
        message:
          "case \(view.id) was not handed off by this node to an owner that holds it (hand-off: \(view.handOff.map { "\($0.from) to \($0.to), \($0.state)" } ?? "none")); share evidence with 'liandong evidence share' instead"
      )
    }
    let owner = try NodeID(view.owner)
    let history = try home.store.history(of: objectID).filter { $0.sharedBy == nil }.map { entry in
      SharedHistoryEntry(
        time: entry.time, node: entry.node, officer: entry.officer,
        what: entry.refused.map { "\(entry.what) [refused: \($0)]" } ?? entry.what, operation: entry.operation
      )
    }
    let items: [String]
    if evidence.isEmpty {
      // The offer's list may name items this node never held (another bureau's): only what is
      // held here can be shared from here.
      let listed = try handOff.evidence.filter { try home.store.evidence(id: $0) != nil }
      items = Array(Set(try home.store.evidence(item: view.id).map(\.id) + listed)).sorted()
    } else {
      items = try evidence.map { try ObjectID($0).description }
    }
    var operations = [
      DomainOperation(objectID: objectID, action: .handOff(.shareHistory(history), basis: nil))
    ]
    for item in items {
      operations += try EvidenceSharing.operations(
        for: item, to: [owner], note: "case \(view.id) handed off to \(owner)", home: home)
    }
    try home.recordActs(operations, named: "share", audience: .nodes([owner]), officer: officer)
    let summary = Summary(
      id: view.id, sharedWith: owner.rawValue, historyEntries: history.count, evidence: items)
    if options.json { return try Output.json(summary) }
    print(
      "case \(view.id): \(history.count) history entries and \(items.count) evidence items shared with \(owner)"
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
    try HandOffAct.resolve(keep: try OperationRef(keep)).perform(on: lead, options: options, officer: officer)
  }
}
