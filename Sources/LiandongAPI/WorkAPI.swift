import Foundation
import LiandongApp
import OpenAPIRuntime

/// What needs deciding or reporting across cases: conflicts, early warnings and the campaign
/// statistics table, as the command line's `--json` (and `--format csv`) give them.
extension NodeAPI {
  func listConflicts(_ input: Operations.ListConflicts.Input) async throws -> Operations.ListConflicts.Output
  {
    try CurrentCaller.required().require(.readCases)
    return .ok(.init(body: .json(try Transcode.value(try app.views.conflicts()))))
  }

  func listAlerts(_ input: Operations.ListAlerts.Input) async throws -> Operations.ListAlerts.Output {
    try CurrentCaller.required().require(.readCases)
    return .ok(.init(body: .json(try Transcode.value(try app.alerts().alerts))))
  }

  func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
    try CurrentCaller.required().require(.readCases)
    let (from, to) = try app.reportDays(from: input.query.from, to: input.query.to)
    return .ok(.init(body: .json(try Transcode.value(try app.campaignReport(from: from, to: to)))))
  }

  func getReportCSV(_ input: Operations.GetReportCSV.Input) async throws -> Operations.GetReportCSV.Output {
    try CurrentCaller.required().require(.readCases)
    let (from, to) = try app.reportDays(from: input.query.from, to: input.query.to)
    return .ok(.init(body: .csv(HTTPBody(try app.campaignReport(from: from, to: to).csv))))
  }
}
