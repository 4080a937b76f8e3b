import Foundation

/// Leads as a bureau's spreadsheet holds them, imported by `liandong lead import`: subject names
/// `检测服务店<i>号`, summaries `网店出售伪造检测报告 第<i>件`, one in a hundred of risk `low`, and
/// exactly `marked` of them (whatever the count) holding `mark`. B9 and B10 read pages of them.
enum LeadCSV {
  /// A text exactly `marked` leads hold, whatever the node's size.
  static let mark = "暗号甲乙丙"
  static let marked = 30

  /// Imports the rows `range` in files of `chunk` rows; returns the seconds the imports took.
  static func importLeads(
    _ node: BenchNode, _ range: Range<Int>, chunk: Int, workspace: BenchWorkspace, label: String
  ) throws -> Double {
    var seconds = 0.0
    for first in stride(from: range.lowerBound, to: range.upperBound, by: chunk) {
      let csv = workspace.directory.appendingPathComponent("\(label)-\(first).csv")
      var text = "subject_name,subject_uscc,platform,shop_id,violations,summary,risk\n"
      for index in first..<min(first + chunk, range.upperBound) {
        let mark = index < marked * 1000 && index % 1000 == 500 ? " \(Self.mark)" : ""
        let risk = index % 100 == 0 ? "low" : index % 2 == 0 ? "high" : "medium"
        text +=
          "检测服务店\(index)号,,某电商平台,\(100_000 + index),forged-report,网店出售伪造检测报告 第\(index)件\(mark),\(risk)\n"
      }
      try text.write(to: csv, atomically: true, encoding: .utf8)
      log("\(label): importing leads \(first) to \(min(first + chunk, range.upperBound)) ...")
      let started = Date()
      try node.cli(["lead", "import", csv.path, "--to", "all", "--json"])
      seconds += Date().timeIntervalSince(started)
      try FileManager.default.removeItem(at: csv)
    }
    return seconds
  }
}
