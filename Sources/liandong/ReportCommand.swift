import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct ReportCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "The campaign statistics table (市监检测发〔2021〕54号) for a date range, from this node's data.",
    discussion: """
      Dates are days in China, both included. Figures Liandong does not record (listings removed, \
      fines) are shown as 'not recorded', never guessed; the basis column says what each count is.
      """)
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("First day.", valueName: "YYYY-MM-DD")) var from: String
  @Option(help: ArgumentHelp("Last day.", valueName: "YYYY-MM-DD")) var to: String
  @Option(
    help: ArgumentHelp("table, csv or json (--json is the same as --format json).", valueName: "format"))
  var format = "table"

  func execute() throws {
    let (first, last) = (try CivilDate(from), try CivilDate(to))
    guard ["table", "csv", "json"].contains(format) else {
      throw UsageError(code: "usage.format", message: "--format \(format): use table, csv or json")
    }
    let report = try options.openApp().campaignReport(from: first, to: last)
    if options.json || format == "json" { return try Output.json(report) }
    let rows = report.rows.map { [$0.item, $0.value.map(String.init) ?? "not recorded", $0.basis] }
    if format == "csv" {
      // Line by line: the command line's output shows a control character in a line as an escape.
      for line in report.csv.split(separator: "\n") { print(String(line)) }
      return
    }
    print("campaign statistics of \(report.node), \(report.from) to \(report.to)")
    Output.table(["ITEM", "VALUE", "BASIS"], rows)
  }
}
