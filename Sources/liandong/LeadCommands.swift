import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct LeadCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lead",
    abstract: "Leads (问题线索): record, list, show and edit clues about sellers and products.",
    subcommands: [
      LeadAdd.self, LeadList.self, LeadShow.self, LeadEdit.self, LeadAcknowledge.self, LeadCheck.self,
      LeadDecide.self,
      LeadExtend.self, LeadClose.self, LeadWithdraw.self, LeadMerge.self, LeadImportCommand.self,
    ])
}

/// Parses repeated or comma-separated canonical names.
func canonicalList<T: CanonicalName>(_ values: [String], as type: T.Type) throws -> [T] {
  try values.flatMap { $0.split(separator: ",") }.map {
    try T(canonical: $0.trimmingCharacters(in: .whitespaces))
  }
}

struct LeadAdd: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Record a new lead about a subject, and share it with other regions.",
    discussion: """
      The subject's USCC and division codes are checked before anything is written; a bad one is \
      refused with the position of the wrong character.

      Violations: \(Violation.allCases.map(\.rawValue).joined(separator: ", ")).
      Audience (--to): 'all' (the whole federation), or node IDs such as 'yrd,prd'. Without --to \
      the lead stays on this node until you share it.

      Example:
        liandong lead add --subject-name "某检测服务店" \\
          --subject-uscc 91350100M000100Y43 --violation forged-report \\
          --summary "sells one-day reports without samples" --to yrd
      """)

  @OptionGroup var options: NodeOptions
  @Option(help: "The subject's name (enterprise, shop, person, ...).") var subjectName: String
  @Option(help: "The subject's unified social credit code (18 characters).") var subjectUscc: String?
  @Option(
    help: ArgumentHelp(
      "The subject's kind: \(SubjectKind.allCases.map(\.rawValue).joined(separator: ", ")).",
      valueName: "kind"))
  var subjectKind = SubjectKind.enterprise.rawValue
  @Option(help: ArgumentHelp("Division code (GB/T 2260) where the subject is registered.", valueName: "code"))
  var subjectDivision: String?
  @Option(help: ArgumentHelp("Division code where the subject actually does business.", valueName: "code"))
  var subjectBusinessDivision: String?
  @Option(help: "For a shop: the platform it sells on.") var platform: String?
  @Option(help: "For a shop: its ID on the platform.") var shopId: String?
  @Option(help: "For a shop or website: its address.") var url: String?
  @Option(help: ArgumentHelp("A violation (repeat, or separate with commas).", valueName: "kind"))
  var violation: [String] = []
  @Option(help: "What was found, in a sentence or two.") var summary: String
  @Option(
    help: ArgumentHelp(
      "Where the lead came from: \(LeadSource.allCases.map(\.rawValue).joined(separator: ", ")).",
      valueName: "source"))
  var source = LeadSource.onlineMonitoring.rawValue
  @Option(help: ArgumentHelp("Risk: serious, high, medium, low.", valueName: "level")) var risk = RiskLevel
    .medium.rawValue
  @Option(help: "Product category, free text.") var productCategory = ""
  @Option(help: ArgumentHelp("Reliability of the source: A, B, C or X.", valueName: "grade"))
  var sourceReliability = "X"
  @Option(
    help: ArgumentHelp(
      "Reliability of the information: 1 (confirmed) to 4 (cannot be judged).", valueName: "grade"))
  var infoReliability = 4
  @Flag(help: "The reporter gave a real name (their identity itself never leaves this node).")
  var reporterRealName = false
  @Option(help: ArgumentHelp("Who may see it: 'all' or node IDs separated by commas.", valueName: "audience"))
  var to: String?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let subject = SubjectRecord(
      kind: try SubjectKind(canonical: subjectKind), name: subjectName, uscc: subjectUscc,
      registeredDivision: subjectDivision, businessDivision: subjectBusinessDivision, platform: platform,
      shopID: shopId, url: url)
    let fields = LeadFields(
      source: try LeadSource(canonical: source), violations: try canonicalList(violation, as: Violation.self),
      subjectIDs: [], productCategory: productCategory, summary: summary,
      risk: try RiskLevel(canonical: risk),
      sourceReliability: try SourceReliability(canonical: sourceReliability.uppercased()),
      informationReliability: infoReliability, reporterRealName: reporterRealName)
    try subject.validate()
    let app = try options.openApp()
    let result = try app.addLead(
      NewLead(subject: subject, fields: fields, audience: try to.map { try app.audience(parsing: $0) }),
      by: officer.person)
    let lead = result.view
    if options.json { return try Output.json(lead) }
    print(lead.id)
    Output.error(
      "recorded lead \(lead.id) in change \(result.change.id.short), shared with: \(lead.audience)")
  }
}

struct LeadList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the leads this node can see, filtered and a page at a time.",
    discussion: """
      Without --limit every matching lead is listed, oldest first. With --limit the newest come \
      first, a page at a time: the last line names the --cursor of the next page (with --json, \
      'nextCursor'). --search finds text in a summary or a subject's name (Chinese or English, any \
      part of it; ASCII letters in any case) or a subject's exact USCC. A text of two characters or \
      more is looked up in an index; a single character reads the leads until the page is full.

      Examples:
        liandong lead list --state published --risk high --search 检测 --limit 50
        liandong lead list --from 2026-11-01 --to 2026-11-30 --sort oldest
      """)
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("Only leads in this state (published, acknowledged, ...).", valueName: "state"))
  var state: String?
  @Option(help: ArgumentHelp("Only leads of this risk: serious, high, medium, low.", valueName: "level"))
  var risk: String?
  @Option(help: ArgumentHelp("Only leads naming this violation (forged-report, ...).", valueName: "kind"))
  var violation: String?
  @Option(help: ArgumentHelp("Only leads recorded by this node.", valueName: "node")) var origin: String?
  @Option(help: ArgumentHelp("Only leads this node owns now (after hand-offs).", valueName: "node"))
  var owner: String?
  @Option(help: ArgumentHelp("Only leads whose summary or subject holds this text.", valueName: "text"))
  var search: String?
  @Option(help: ArgumentHelp("Only leads recorded on or after this day (in China).", valueName: "YYYY-MM-DD"))
  var from: String?
  @Option(
    help: ArgumentHelp("Only leads recorded on or before this day (in China).", valueName: "YYYY-MM-DD"))
  var to: String?
  @Option(
    help: ArgumentHelp(
      "newest or oldest first (by when each was recorded); pages default to newest, the full list to oldest.",
      valueName: "order"))
  var sort: String?
  @Option(help: ArgumentHelp("Leads per page, 1-200.", valueName: "n")) var limit: Int?
  @Option(help: ArgumentHelp("The page after the one that named this cursor.", valueName: "cursor"))
  var cursor: String?

  func execute() throws {
    let app = try options.openApp()
    var query = LeadQuery(
      state: try state.map { try LeadState(canonical: $0) },
      risk: try risk.map { try RiskLevel(canonical: $0) },
      text: search, cursor: cursor)
    query.violation = try violation.map { try Violation(canonical: $0) }
    query.origin = try origin.map { try NodeID($0).rawValue }
    query.owner = try owner.map { try NodeID($0).rawValue }
    (query.from, query.to) = (try from.map { try CivilDate($0) }, try to.map { try CivilDate($0) })
    let order = try sort.map { text in
      guard let order = LeadOrder(rawValue: text) else {
        throw UsageError(code: "usage.sort", message: "--sort \(text): use newest or oldest")
      }
      return order
    }
    let leads: [LeadView]
    var next: String? = nil
    if limit != nil || cursor != nil {
      query.limit = limit ?? 50
      query.order = order ?? .newest
      let page = try app.leads(query)
      if options.json { return try Output.json(page) }
      (leads, next) = (page.items, page.nextCursor)
    } else {
      query.order = order ?? .oldest
      leads = try app.allLeads(query)
      if options.json { return try Output.json(leads) }
    }
    defer { if let next { print("next page: the same command with --cursor \(next)") } }
    guard !leads.isEmpty else {
      let filtered = [state, risk, violation, origin, owner, search, from, to, cursor].contains { $0 != nil }
      return print(filtered ? "no leads match" : "no leads yet; add one with 'liandong lead add'")
    }
    Output.table(
      ["ID", "OWNER", "STATE", "RISK", "VIOLATIONS", "SUBJECT", "SUMMARY"],
      leads.map {
        [
          $0.id, $0.owner, $0.state.rawValue, $0.risk.rawValue,
          $0.violations.map(\.rawValue).joined(separator: ","),
          $0.subjects.first?.name ?? "-", TerminalText.prefix(TerminalText.safe($0.summary), columns: 50),
        ]
      })
  }
}

struct LeadShow: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one lead in full.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String

  func execute() throws {
    let lead = try options.openApp().lead(try options.objectID(id))
    if options.json { return try Output.json(lead) }
    var lines: [(String, String)] = [
      ("lead", lead.id), ("origin", lead.origin), ("owner", lead.owner), ("state", lead.state.rawValue),
      ("source", lead.source.rawValue),
      ("violations", lead.violations.map(\.rawValue).joined(separator: ", ")),
      ("risk", lead.risk.rawValue),
      (
        "reliability", "source \(lead.sourceReliability.rawValue), information \(lead.informationReliability)"
      ),
      ("product", lead.productCategory.isEmpty ? "-" : lead.productCategory), ("summary", lead.summary),
      ("real-name reporter", lead.reporterRealName ? "yes" : "no"),
      ("created", "\(lead.created) by \(lead.createdBy)"),
      ("updated", lead.updated), ("shared with", lead.audience),
    ]
    for handling in lead.handling {
      var text = "\(handling.bureau): \(handling.state)"
      if let date = handling.acknowledgedOn { text += ", acknowledged \(date)" }
      if !handling.caseReference.isEmpty { text += ", case \(handling.caseReference)" }
      if !handling.note.isEmpty { text += ": \(handling.note)" }
      if let extended = handling.extended { text += " (extended: \(extended))" }
      lines.append(("handled by", text))
    }
    if let into = lead.mergedInto { lines.append(("merged into", into)) }
    if let note = lead.withdrawalNote { lines.append(("withdrawn", note)) }
    if let handOff = lead.handOff {
      lines.append(
        (
          "hand-off",
          "\(handOff.from) -> \(handOff.to): \(handOff.state) (offered \(handOff.offeredOn))"
            + (handOff.reason.map { ", \($0)" } ?? "")
        ))
    }
    for (label, value) in lines {
      print("\(label.padding(toLength: 19, withPad: " ", startingAt: 0)) \(value)")
    }
    for subject in lead.subjects {
      var parts = ["\(subject.name) (\(subject.kind.rawValue))"]
      if let uscc = subject.uscc { parts.append("USCC \(uscc)") }
      if let division = subject.registeredDivision { parts.append("registered \(division)") }
      if let division = subject.businessDivision { parts.append("operating \(division)") }
      if let platform = subject.platform { parts.append("\(platform) shop \(subject.shopID ?? "?")") }
      if let url = subject.url { parts.append(url) }
      print("subject             \(parts.joined(separator: ", "))")
    }
  }
}

struct LeadEdit: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "edit",
    abstract: "Change a lead's fields. Only the lead's owner node may; others' edits are refused.",
    discussion:
      "An edit by another node is still signed and kept in the log, has no effect, and is listed by 'liandong verify'."
  )
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead's ID.") var id: String
  @Option(help: "New summary.") var summary: String?
  @Option(help: ArgumentHelp("New risk level.", valueName: "level")) var risk: String?
  @Option(help: ArgumentHelp("New violations (repeat, or separate with commas).", valueName: "kind"))
  var violation: [String] = []
  @Option(help: "New product category.") var productCategory: String?
  @Option(help: ArgumentHelp("New source reliability: A, B, C or X.", valueName: "grade"))
  var sourceReliability: String?
  @Option(help: ArgumentHelp("New information reliability: 1-4.", valueName: "grade")) var infoReliability:
    Int?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let objectID = try options.objectID(id)
    var patch = LeadPatch()
    patch.summary = summary
    patch.risk = try risk.map { try RiskLevel(canonical: $0) }
    patch.violations = violation.isEmpty ? nil : try canonicalList(violation, as: Violation.self)
    patch.productCategory = productCategory
    patch.sourceReliability = try sourceReliability.map { try SourceReliability(canonical: $0.uppercased()) }
    patch.informationReliability = infoReliability
    let after = try options.openApp().editLead(objectID, patch, by: officer.person).view
    if options.json { return try Output.json(after) }
    print("updated lead \(after.id)")
  }
}
