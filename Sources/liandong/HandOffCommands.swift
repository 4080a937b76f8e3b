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

extension HandOffAct {
  /// Signs the act on `lead`, shared with everyone who may see the case and both bureaus, and
  /// reports the reducer's refusal if it had no effect.
  func perform(on lead: String, options: NodeOptions, officer: OfficerOption) throws {
    try Self.perform(on: lead, options: options, officer: officer) { _, _ in self }
  }

  /// The same, for an act made from the case as this node sees it (an offer or an objection
  /// carries it): the node is opened and the lead read once.
  static func perform(
    on lead: String, options: NodeOptions, officer: OfficerOption,
    making make: (_ before: LeadView, _ home: NodeHome) throws -> HandOffAct
  ) throws {
    let home = try options.openNode()
    let objectID = try ObjectID(lead)
    guard let before = try home.store.lead(objectID.description) else {
      throw StoreError.notFound(kind: "case (lead)", id: objectID.description)
    }
    let act = try make(before, home)
    var parties: Set<NodeID> = [try NodeID(before.origin), try NodeID(before.owner)]
    if case .offer(let to, _, _, _, _) = act { parties.insert(to) }
    if case .designate(let to, _, _) = act { parties.insert(to) }
    if let handOff = before.handOff { parties.formUnion([try NodeID(handOff.from), try NodeID(handOff.to)]) }
    if let dispute = before.dispute {
      parties.formUnion([try NodeID(dispute.owner), try NodeID(dispute.claimant)])
    }
    // The superiors who settle an objection or a claim see it, and the case with it.
    let disputants: [NodeID]? =
      switch act {
      case .object, .claim: [try NodeID(before.owner), home.node]
      default: nil
      }
    if let disputants {
      let superiors = try home.store.currentManifest()?.view.manifest.superiors(ofAll: disputants) ?? []
      if superiors.isEmpty {
        FileHandle.standardError.write(
          Data(
            "note: no federation manifest names a superior of \(disputants.map(\.rawValue).joined(separator: " and ")); none will see this until one is installed and the act repeated\n"
              .utf8))
      }
      parties.formUnion(superiors)
    }
    let audience = try Audience(parsing: before.audience).forAct(by: home.node, parties: parties)
    // Acts that answer the hand-off name the last act this node had seen, so that one made at
    // once by the other party, that cannot stand beside it, is a conflict rather than lost.
    let basis = act.answersBasis ? try before.handOffHead.map(OperationRef.init) : nil
    try home.recordAct(
      DomainOperation(objectID: objectID, action: .handOff(act, basis: basis)), named: act.name,
      audience: audience, officer: officer)
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
    try HandOffAct.perform(on: lead, options: options, officer: officer) { view, home in
      guard view.owner == home.node.rawValue else {
        throw UsageError(
          code: "handoff.not-owner",
          message: "case \(view.id) is owned by \(view.owner); only its owner may offer it")
      }
      return .offer(
        to: try NodeID(to), letter: letter, evidenceIDs: try evidence.map { try ObjectID($0) },
        origin: try NodeID(view.origin), snapshot: try view.fields())
    }
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
    try HandOffAct.perform(on: lead, options: options, officer: officer) { view, _ in
      .object(reason: reason, snapshot: try view.caseSnapshot())
    }
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
    try HandOffAct.perform(on: lead, options: options, officer: officer) { view, _ in
      .claim(reason: reason, snapshot: try view.caseSnapshot())
    }
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
    try HandOffAct.perform(on: lead, options: options, officer: officer) { _, home in
      guard let current = try home.store.currentManifest() else {
        throw UsageError(
          code: "handoff.no-manifest",
          message:
            "no federation manifest is installed, so no node is a superior; 'liandong federation install' first"
        )
      }
      return .designate(to: try NodeID(to), reason: reason, manifest: current.signed)
    }
  }
}

extension LeadView {
  /// The case as this node sees it, carried by an objection or a claim to superiors outside the
  /// lead's audience.
  func caseSnapshot() throws -> CaseSnapshot {
    CaseSnapshot(origin: try NodeID(origin), owner: try NodeID(owner), fields: try fields())
  }

  /// The lead's fields as a change carries them.
  func fields() throws -> LeadFields {
    LeadFields(
      source: try LeadSource(canonical: source),
      violations: try canonicalList(violations, as: Violation.self),
      subjectIDs: try subjects.map { try ObjectID($0.id) }, productCategory: productCategory,
      summary: summary,
      risk: try RiskLevel(canonical: risk),
      sourceReliability: try SourceReliability(canonical: sourceReliability),
      informationReliability: informationReliability, reporterRealName: reporterRealName)
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
