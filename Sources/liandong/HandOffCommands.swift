import ArgumentParser
import Foundation
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
      ('liandong due' shows it).
      """,
    subcommands: [HandOffOffer.self, HandOffAccept.self, HandOffObject.self, HandOffWithdraw.self])
}

extension HandOffAct {
  /// Signs the act on `lead`, shared with everyone who may see the case and both bureaus, and
  /// reports the reducer's refusal if it had no effect.
  func perform(on lead: String, options: NodeOptions, officer: OfficerOption) throws {
    let home = try options.openNode()
    let objectID = try ObjectID(lead)
    guard let before = try home.store.lead(objectID.description) else {
      throw StoreError.notFound(kind: "case (lead)", id: objectID.description)
    }
    var parties: Set<NodeID> = [try NodeID(before.origin), try NodeID(before.owner)]
    if case .offer(let to, _, _, _, _) = self { parties.insert(to) }
    if let handOff = before.handOff { parties.formUnion([try NodeID(handOff.from), try NodeID(handOff.to)]) }
    let audience = try Audience(parsing: before.audience).forAct(by: home.node, parties: parties)
    try home.recordAct(
      DomainOperation(objectID: objectID, action: .handOff(self)), named: name, audience: audience,
      officer: officer)
    let after = try home.store.lead(objectID.description)!
    if options.json { return try Output.json(after) }
    print("case \(after.id): hand-off \(after.handOff?.state ?? "?"), owner \(after.owner)")
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
    let home = try options.openNode()
    let id = try ObjectID(lead)
    guard let view = try home.store.lead(id.description) else {
      throw StoreError.notFound(kind: "case (lead)", id: id.description)
    }
    guard view.owner == home.node.rawValue else {
      throw UsageError(
        code: "handoff.not-owner",
        message: "case \(view.id) is owned by \(view.owner); only its owner may offer it")
    }
    let fields = LeadFields(
      source: try LeadSource(canonical: view.source),
      violations: try canonicalList(view.violations, as: Violation.self),
      subjectIDs: try view.subjects.map { try ObjectID($0.id) }, productCategory: view.productCategory,
      summary: view.summary, risk: try RiskLevel(canonical: view.risk),
      sourceReliability: try SourceReliability(canonical: view.sourceReliability),
      informationReliability: view.informationReliability, reporterRealName: view.reporterRealName)
    try HandOffAct.offer(
      to: try NodeID(to), letter: letter, evidenceIDs: try evidence.map { try ObjectID($0) },
      origin: try NodeID(view.origin), snapshot: fields
    ).perform(on: lead, options: options, officer: officer)
  }
}

struct HandOffAccept: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "accept", abstract: "Accept a case offered to this bureau: it becomes the owner.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try HandOffAct.accept.perform(on: lead, options: options, officer: officer) }
}

struct HandOffObject: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "object", abstract: "Object to a case offered to this bureau; the superior designates.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case's lead.") var lead: String
  @Option(help: "Why this bureau has no jurisdiction.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try HandOffAct.object(reason: reason).perform(on: lead, options: options, officer: officer)
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
    try HandOffAct.withdraw(reason: reason).perform(on: lead, options: options, officer: officer)
  }
}
