import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct PoliceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "police",
    abstract: "Transfer to police (行刑衔接): the record, its package and its deadlines.",
    discussion: """
      The bureau approves or refuses within 3 days of the team's report, transfers within 24 hours \
      of approval, the police decide within 3 days, and a refusal may be reconsidered within 3 days \
      ('liandong due' shows each). The package's documents are evidence items ('liandong evidence \
      add'), so they are hashed, keep a chain of custody, and export as a verifiable bundle.
      """,
    subcommands: [
      PoliceCreate.self, PoliceList.self, PoliceAction.self,
    ])
}

struct PoliceCreate: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "create", abstract: "Record the team's report that a case should go to the police.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The case (its lead).") var caseID: String
  @Option(help: "The public security office it goes to.") var police: String
  @Option(help: ArgumentHelp("The transfer letter (an evidence ID).", valueName: "id")) var letter: String
  @Option(help: ArgumentHelp("The investigation report (an evidence ID).", valueName: "id")) var report:
    String
  @Option(help: ArgumentHelp("The list of items involved (an evidence ID).", valueName: "id")) var items:
    String
  @Option(help: ArgumentHelp("A test or appraisal report (an evidence ID; repeat).", valueName: "id"))
  var testReport: [String] = []
  @Option(help: ArgumentHelp("The day of the team's report (default: today).", valueName: "YYYY-MM-DD"))
  var reportedOn: String?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let package = PolicePackage(
      letter: try options.objectID(letter), investigationReport: try options.objectID(report),
      itemsList: try options.objectID(items),
      testReports: try testReport.map { try options.objectID($0) })
    let view = try options.openApp().reportToPolice(
      case: try options.objectID(caseID), police: police, package: package,
      reportedOn: try reportedOn.map { try CivilDate($0) }, by: officer.person
    ).view
    if options.json { return try Output.json(view) }
    print(view.id)
    Output.error(
      "recorded transfer to police \(view.id) of case \(view.caseID); approve or refuse within 3 days")
  }
}

struct PoliceList: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List transfers to police.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let transfers = try options.openApp().views.policeTransfers()
    if options.json { return try Output.json(transfers) }
    guard !transfers.isEmpty else { return print("no transfers to police") }
    Output.table(
      ["ID", "CASE", "POLICE", "REPORTED", "STATE", "NOTE"],
      transfers.map { [$0.id, $0.caseID, $0.police, $0.reportedOn.description, $0.state.rawValue, $0.note] })
  }
}

struct PoliceAction: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract:
      "Record the next step: approve, refuse, transfer, police-accepted, police-declined, reconsider, close.",
    discussion: """
      refuse, transfer (the police's receipt), police-accepted, police-declined and reconsider \
      need --note.

      Example:
        liandong police record ID transfer --note "浦东分局 received it, receipt 118"
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The transfer's ID.") var id: String
  @Argument(help: "The step.") var step: String
  @Option(help: "The reason, receipt or decision.") var note = ""
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    guard let act = PoliceAct(step: step, note: note) else {
      throw UsageError(
        code: "usage.police-step",
        message:
          "'\(step)' is not a step: use approve, refuse, transfer, police-accepted, police-declined, reconsider or close"
      )
    }
    let after = try options.openApp().act(onTransfer: try options.objectID(id), act, by: officer.person).view
    if options.json { return try Output.json(after) }
    print("transfer to police \(after.id): \(after.state)")
  }
}
