import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct HandOffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "handoff",
    abstract: "Case hand-off (案件移送): offer a case to the bureau with jurisdiction; it accepts or objects.",
    discussion: """
      A case is the lead it grew from. The owner offers it with a transfer letter and the evidence \
      list; the offer carries the case as it stands, so the other bureau can read it even if the \
      lead was never shared with it. On acceptance the other bureau owns the case, and may not pass \
      it on again. On objection the common superior designates jurisdiction within 7 working days \
      ('liandong due' shows it). A bureau that holds a case is its own may claim it: the two \
      negotiate for 7 working days, and the dispute stays in 'liandong conflicts' until a superior \
      designates. Superiors are named by the federation manifest ('liandong federation show'); \
      an objection or a claim is shared with them, with the case as it stands. Once the new owner \
      holds the case, the bureau that handed it off shares its history and evidence with it \
      ('liandong handoff share'). An acceptance or objection made at the same time as a \
      withdrawal (or two designations at once) is a conflict that 'liandong conflicts' lists and a \
      party resolves ('liandong handoff resolve').
      """,
    subcommands: [
      HandOffOffer.self, HandOffAccept.self, HandOffObject.self, HandOffWithdraw.self, HandOffClaim.self,
      HandOffDesignate.self, HandOffResolve.self, HandOffShare.self,
    ])
}

extension HandOffRequest {
  /// Signs the act on the case through the application layer and prints where the case stands.
  func perform(on lead: String, options: NodeOptions, officer: OfficerOption) throws {
    let result = try options.openApp().handOff(try options.objectID(lead), self, by: officer.person)
    for notice in result.notices { Output.error("note: \(notice)") }
    let after = result.view
    if options.json { return try Output.json(after) }
    print("case \(after.id): hand-off \(after.handOff?.state.rawValue ?? "?"), owner \(after.owner)")
  }
}

struct HandOffOffer: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "offer",
    abstract: "Offer a case you own to another bureau, with the transfer letter and evidence.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead that stands for the case.") var lead: String
  @Option(help: ArgumentHelp("The bureau with jurisdiction.", valueName: "node")) var to: String
  @Option(help: "The transfer letter (移送函): why the case goes there.") var letter: String
  @Option(help: ArgumentHelp("An evidence item on the list (repeat).", valueName: "id")) var evidence:
    [String] = []
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    try HandOffRequest.offer(
      to: try NodeID(to), letter: letter, evidence: try evidence.map { try options.objectID($0) }
    )
    .perform(on: lead, options: options, officer: officer)
  }
}

struct HandOffAccept: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "accept", abstract: "Accept a case offered to this bureau: it becomes the owner.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try HandOffRequest.accept.perform(on: lead, options: options, officer: officer) }
}

struct HandOffObject: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "object", abstract: "Object to a case offered to this bureau; the superior designates.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(help: "Why this bureau has no jurisdiction.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffRequest.object(reason: reason).perform(on: lead, options: options, officer: officer)
  }
}

struct HandOffClaim: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "claim",
    abstract: "Claim jurisdiction over another bureau's case (Art. 13); a superior designates.",
    discussion: """
      The claim is shared with the owner and with the superiors of both bureaus in the federation \
      manifest. Both negotiate for 7 working days ('liandong due'); until a superior designates, \
      the dispute is listed by 'liandong conflicts' on every node that sees it.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(help: "Why the case belongs to this bureau (e.g. where the seller operates).") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffRequest.claim(reason: reason).perform(on: lead, options: options, officer: officer)
  }
}

struct HandOffDesignate: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "designate",
    abstract:
      "As the superior, designate the bureau that has jurisdiction (指定管辖) after an objection or a claim.",
    discussion: """
      Only a node that the federation manifest makes a superior of both bureaus may designate, and \
      only a bureau it is superior of. The act cites the manifest, signed by the CA, so every node \
      can check the authority. The designated bureau owns the case and may not pass it on.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(help: ArgumentHelp("The bureau that gets the case.", valueName: "node")) var to: String
  @Option(help: "The grounds of the designation.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffRequest.designate(to: try NodeID(to), reason: reason).perform(
      on: lead, options: options, officer: officer)
  }
}

struct HandOffWithdraw: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "withdraw", abstract: "Withdraw an offer not yet answered.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(help: "Why.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffRequest.withdraw(reason: reason).perform(on: lead, options: options, officer: officer)
  }
}
