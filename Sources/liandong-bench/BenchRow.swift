import Foundation

/// One line of the results table.
struct BenchRow: Codable {
  var scenario: String
  var ours: Double
  var reference: Double
  var unit: String
  var referenceName: String
  var goal: Double
  var note: String

  var ratio: Double { reference > 0 ? ours / reference : 0 }
  var pass: Bool { ratio >= goal }

  static func printTable(_ rows: [BenchRow]) {
    print("")
    print(
      "scenario".padding(toLength: 10, withPad: " ", startingAt: 0) + "ours".leftPadded(14)
        + "reference".leftPadded(14)
        + "ratio".leftPadded(8) + "goal".leftPadded(8) + "  result")
    for row in rows {
      print(
        row.scenario.padding(toLength: 10, withPad: " ", startingAt: 0)
          + String(format: "%.1f %@", row.ours, row.unit).leftPadded(14)
          + String(format: "%.1f %@", row.reference, row.unit).leftPadded(14)
          + String(format: "%.2f", row.ratio).leftPadded(8) + String(format: ">=%.2f", row.goal).leftPadded(8)
          + (row.pass ? "  pass" : "  FAIL"))
      print("  reference: \(row.referenceName); \(row.note)")
    }
  }

  static func writeJSON(_ rows: [BenchRow], to path: String) throws {
    struct Output: Encodable {
      var machine: String
      var date: String
      var rows: [Row]
    }
    struct Row: Encodable {
      var scenario: String
      var ours: Double
      var reference: Double
      var unit: String
      var ratio: Double
      var goal: Double
      var pass: Bool
      var referenceName: String
      var note: String
    }
    let output = Output(
      machine:
        "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB",
      date: ISO8601DateFormatter().string(from: Date()),
      rows: rows.map {
        Row(
          scenario: $0.scenario, ours: $0.ours, reference: $0.reference, unit: $0.unit, ratio: $0.ratio,
          goal: $0.goal,
          pass: $0.pass, referenceName: $0.referenceName, note: $0.note)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(output).write(to: URL(fileURLWithPath: path))
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
