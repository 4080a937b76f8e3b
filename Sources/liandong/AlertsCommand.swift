import ArgumentParser
import Foundation
import LiandongCore
import LiandongStore

struct AlertsCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "alerts",
    abstract:
      "Early warning: open leads from different regions on the same subject (USCC, or platform and shop).",
    discussion:
      "Computed from the leads this node can see; share leads with 'all' so that every region is warned.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let alerts = EarlyWarning.alerts(among: try options.openNode().store.leads())
    if options.json { return try Output.json(alerts) }
    guard !alerts.isEmpty else { return print("no alerts") }
    Output.table(
      ["SUBJECT", "LEAD", "FROM", "OTHER LEAD", "FROM"],
      alerts.map { [$0.subject, $0.lead, $0.leadOrigin, $0.otherLead, $0.otherOrigin] })
  }
}
