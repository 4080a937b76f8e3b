import Foundation

/// One line of the results table.
struct BenchRow: Encodable {
  var scenario: String
  var ours: Double
  var reference: Double
  var unit: String
  var referenceName: String
  var goal: Double
  var note: String
  /// For limits (milliseconds, bytes, MiB): pass when ours is at most the reference.
  var lowerIsBetter = false

  var ratio: Double { reference > 0 ? ours / reference : 0 }
  var pass: Bool { lowerIsBetter ? ours <= reference : ratio >= goal }

  /// Wide enough for B9's names, which say which filter each page had.
  static let scenarioColumn = 18

  /// The goal as the tables print it: a limit is met at a ratio of 1 or less.
  static func goalText(_ goal: Double, lowerIsBetter: Bool) -> String {
    lowerIsBetter ? "<=1.00" : String(format: ">=%.2f", goal)
  }

  static func printTable(_ rows: [BenchRow]) {
    print("")
    print(
      "scenario".padding(toLength: Self.scenarioColumn, withPad: " ", startingAt: 0) + "ours".leftPadded(14)
        + "reference".leftPadded(14)
        + "ratio".leftPadded(8) + "goal".leftPadded(8) + "  result")
    for row in rows {
      print(
        row.scenario.padding(toLength: Self.scenarioColumn, withPad: " ", startingAt: 0)
          + String(format: "%.1f %@", row.ours, row.unit).leftPadded(14)
          + String(format: "%.1f %@", row.reference, row.unit).leftPadded(14)
          + String(format: "%.2f", row.ratio).leftPadded(8)
          + goalText(row.goal, lowerIsBetter: row.lowerIsBetter).leftPadded(8)
          + (row.pass ? "  pass" : "  FAIL"))
      print("  reference: \(row.referenceName); \(row.note)")
    }
  }

  static func writeJSON(_ rows: [BenchRow], to path: String) throws {
    struct Output: Encodable {
      var machine: String
      var date: String
      var rows: [BenchRow]
    }
    try write(
      Output(machine: machine, date: ISO8601DateFormatter().string(from: Date()), rows: rows), to: path)
  }

  /// Several runs (`--repeat`): every run's rows, and each ratio's minimum, median and maximum.
  static func writeJSON(_ runs: [[BenchRow]], summary: BenchSummary, to path: String) throws {
    struct Output: Encodable {
      var machine: String
      var date: String
      var runs: [[BenchRow]]
      var summary: [BenchSummary.Line]
    }
    try write(
      Output(
        machine: machine, date: ISO8601DateFormatter().string(from: Date()), runs: runs,
        summary: summary.lines),
      to: path)
  }

  private static var machine: String {
    "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
  }

  private static func write(_ output: some Encodable, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(output).write(to: URL(fileURLWithPath: path))
  }

  /// The stored fields, and the derived ratio and verdict, so that JSON readers need not recompute.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(scenario, forKey: .scenario)
    try container.encode(ours, forKey: .ours)
    try container.encode(reference, forKey: .reference)
    try container.encode(unit, forKey: .unit)
    try container.encode(referenceName, forKey: .referenceName)
    try container.encode(goal, forKey: .goal)
    try container.encode(note, forKey: .note)
    try container.encode(ratio, forKey: .ratio)
    try container.encode(pass, forKey: .pass)
    try container.encode(lowerIsBetter, forKey: .lowerIsBetter)
  }

  enum CodingKeys: String, CodingKey {
    case scenario, ours, reference, unit, referenceName, goal, note, ratio, pass, lowerIsBetter
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
