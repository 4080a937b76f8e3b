import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct AlertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alerts",
    abstract:
      "Early warning: open leads from different regions on the same subject (USCC, or platform and shop).",
    discussion: """
      A node sees an alert when it can read both leads. When the other region cannot read this \
      node's lead, 'liandong alerts notify' sends it a signed warning naming both leads and the \
      subject, not the lead's content; the other region then sees the alert too.
      """,
    subcommands: [AlertsList.self, AlertsNotify.self], defaultSubcommand: AlertsList.self)
}

struct AlertsList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the alerts this node sees (the default).")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let (alerts, regionsToWarn) = try options.openApp().alerts()
    if options.json { return try Output.json(alerts) }
    guard !alerts.isEmpty else { return print("no alerts") }
    Output.table(
      ["SUBJECT", "LEAD", "FROM", "OTHER LEAD", "FROM", "NOTE"],
      alerts.map {
        [
          $0.subject, $0.lead, $0.leadOrigin, $0.otherLead, $0.otherOrigin,
          $0.warnedBy.map { "warned by \($0); not readable here" }
            ?? ($0.unseenBy.isEmpty ? "" : "not seen by \($0.unseenBy.joined(separator: ","))"),
        ]
      })
    if regionsToWarn > 0 {
      print("\(regionsToWarn) region(s) cannot see this node's lead: 'liandong alerts notify' warns them")
    }
  }
}

struct AlertsNotify: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "notify",
    abstract: "Warn each region that cannot see this node's lead on a subject it also has an open lead on.",
    discussion: """
      One signed change per region, addressed to it alone, naming both leads and the subject. \
      Each pair is warned of once; running it again sends only what is new.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let sent = try options.openApp().warnRegionsThatCannotSee(by: officer.person)
    if options.json { return try Output.json(sent) }
    if sent.isEmpty {
      return print("nothing to warn of: every region with an alert can see this node's lead")
    }
    for item in sent {
      print("warned \(item.to) of \(item.subject): lead \(item.lead) beside its \(item.otherLead)")
    }
  }
}
