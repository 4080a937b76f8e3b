import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore
import NIOCore

/// The campaign statistics for a date range: the 2021 notice's table (专项整治行动情况统计表) in
/// its own wording with the blanks filled from this node's data, each figure with its basis, and
/// the same CSV as `liandong report --format csv`.
extension ConsolePages {
  func report(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let (from, to) = try range(visit)
    let report = try app.campaignReport(from: from, to: to)
    let notRecorded = language.phrase("notRecorded")
    let blank = language.phrase("blankNotRecorded")
    let figure = { (item: String) -> String in
      report.rows.first { $0.item == item }?.value.map(String.init) ?? blank
    }
    return Rendered(
      template: "report", title: language.phrase("report"),
      values: [
        "from": "\(from)", "to": "\(to)", "node": app.node.rawValue,
        "tasks": CampaignNotice.tasks(figure: figure, notRecorded: blank),
        "rows": report.rows.map { row -> [String: Any] in
          [
            "item": language.phrase("report:\(row.item)"), "value": row.value.map(String.init) ?? notRecorded,
            "basis": row.basis,
          ]
        },
      ])
  }

  func reportCSV(_ request: Request) async throws -> Response {
    try await respond(request) { visit in
      try visit.caller.require(.readCases)
      let (from, to) = try range(visit)
      var headers = Self.securityHeaders
      headers[.contentType] = "text/csv; charset=utf-8"
      headers[.contentDisposition] = Self.attachment("campaign-\(app.node)-\(from)-\(to).csv")
      let csv = try app.campaignReport(from: from, to: to).csv
      return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
  }

  /// `from` and `to` of the query (days in China); by default this month so far.
  func range(_ visit: Visit) throws -> (CivilDate, CivilDate) {
    try app.reportDays(from: visit.query("from"), to: visit.query("to"))
  }
}

/// The five tasks of the notice's attachment, each with its blanks filled.
enum CampaignNotice {
  static func tasks(figure: (String) -> String, notRecorded: String) -> [[String: String]] {
    let blank = notRecorded
    return [
      [
        "task": "督促网络交易平台清理无检验检测资质的平台内经营者或违规销售信息",
        "done":
          "涉及网络交易平台\(figure("platforms involved"))家，共核验相关平台内经营者资质\(figure("sellers whose qualification was verified"))家，处置违法违规平台内经营者\(figure("sellers dealt with"))家，涉及销售信息\(figure("listings removed"))件。",
      ],
      [
        "task": "督促网络交易平台清理相关虚假广告宣传信息",
        "done":
          "涉及网络交易平台\(blank)家，共处置平台内经营者\(blank)家，涉及虚假广告宣传\(figure("false-advertising items removed"))个。",
      ],
      [
        "task": "查办冒用检验检测机构资质、伪造或者变造检验检测报告案件",
        "done":
          "查办相关违法违规案件\(figure("cases of misused qualification or forged reports handled"))件，共计处罚\(figure("entities punished, and total fines"))家/个相关市场主体(有罚款、罚没款的请列明总金额)，移送公安司法机关\(figure("cases transferred to public security"))件。",
      ],
      [
        "task": "查办相关虚假广告宣传案件",
        "done": "查办虚假广告宣传违法违规案件\(blank)件，共计处罚\(blank)家/个相关市场主体(有罚款、罚没款的请列明总金额)，移送公安司法机关\(blank)件。",
      ],
      [
        "task": "查办相关检验检测机构违法违规案件",
        "done":
          "查办检验检测机构违法违规案件\(figure("cases against inspection bodies"))件，共计处罚\(blank)家检验检测机构(有罚款、罚没款的请列明总金额)，移送公安司法机关\(blank)件。",
      ],
    ]
  }
}
