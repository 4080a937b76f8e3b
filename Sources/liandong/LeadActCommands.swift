import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

extension LeadAct {
  /// Signs the act on `lead` through the application layer and prints the lead's new state.
  func perform(on lead: String, options: NodeOptions, officer: OfficerOption) throws {
    let app = try options.openApp()
    let after = try app.act(on: try app.objectID(lead), self, by: officer.person).view
    if options.json { return try Output.json(after) }
    let mine = after.handling.first { $0.bureau == app.node.rawValue }
    print("lead \(after.id): \((mine?.state ?? after.state).rawValue)")
  }
}

struct LeadAcknowledge: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "acknowledge", abstract: "Confirm receipt of a lead: the 15 working days to decide start.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try LeadAct.acknowledge.perform(on: id, options: options, officer: officer) }
}

struct LeadCheck: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "check", abstract: "Start checking a lead.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try LeadAct.check.perform(on: id, options: options, officer: officer) }
}

struct LeadDecide: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "decide",
    abstract: "Record the decision on a lead: case-opened (with --case), not-opened, or transferred.",
    discussion: "The decision is fed back to the lead's origin.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @Option(help: ArgumentHelp("case-opened, not-opened or transferred.", valueName: "outcome")) var outcome:
    String
  @Option(name: .customLong("case"), help: "The case reference, for case-opened.") var caseReference = ""
  @Option(help: "A note for the origin.") var note = ""
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try LeadAct.decide(outcome: try LeadOutcome(canonical: outcome), caseReference: caseReference, note: note)
      .perform(on: id, options: options, officer: officer)
  }
}

struct LeadExtend: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "extend", abstract: "Extend the decision period once, by 15 working days.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @Option(help: "Why.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try LeadAct.extend(reason: reason).perform(on: id, options: options, officer: officer)
  }
}

struct LeadClose: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "close", abstract: "Close your handling of a lead once decided.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try LeadAct.close.perform(on: id, options: options, officer: officer) }
}

struct LeadWithdraw: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "withdraw", abstract: "Withdraw a lead you own as unfounded.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @Option(help: "Why it is unfounded.") var note: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try LeadAct.withdraw(note: note).perform(on: id, options: options, officer: officer)
  }
}

struct LeadMerge: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge", abstract: "Mark a lead you own as a duplicate of another.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The duplicate lead's ID.") var id: String
  @Option(help: ArgumentHelp("The lead it duplicates.", valueName: "id")) var into: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try LeadAct.merge(into: try options.objectID(into)).perform(on: id, options: options, officer: officer)
  }
}
