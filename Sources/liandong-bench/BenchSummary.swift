import Foundation

/// The same scenarios run several times (`--repeat N`): each ratio's minimum, median and
/// maximum. A goal counts as met when the median meets it, because a single run on a shared
/// machine spreads wider than some goals' margins; the worst run is printed beside it so that a
/// goal met only in the middle is seen as such.
struct BenchSummary: Encodable {
  struct Line: Encodable {
    var scenario: String
    var goal: Double
    var lowerIsBetter: Bool
    var minimum: Double
    var median: Double
    var maximum: Double
    /// How many runs measured this scenario.
    var runs: Int

    /// Whether the median meets the goal; stored, so that JSON readers need not recompute it.
    var pass: Bool

    /// The run furthest from the goal: the highest ratio of a limit, else the lowest.
    var worst: Double { lowerIsBetter ? maximum : minimum }
  }

  var lines: [Line]

  /// Rows of the same scenario are matched by name, in the order the first run printed them.
  init(runs: [[BenchRow]]) {
    var order: [String] = []
    var byScenario: [String: [BenchRow]] = [:]
    for row in runs.joined() {
      if byScenario[row.scenario] == nil { order.append(row.scenario) }
      byScenario[row.scenario, default: []].append(row)
    }
    lines = order.map { scenario in
      let rows = byScenario[scenario]!
      let ratios = rows.map(\.ratio).sorted()
      let middle = ratios.count / 2
      let median = ratios.count % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2
      let (goal, lowerIsBetter) = (rows[0].goal, rows[0].lowerIsBetter)
      return Line(
        scenario: scenario, goal: goal, lowerIsBetter: lowerIsBetter, minimum: ratios[0], median: median,
        maximum: ratios[ratios.count - 1], runs: ratios.count,
        pass: lowerIsBetter ? median <= 1.0 : median >= goal)
    }
  }

  func printTable() {
    print("")
    print(
      "scenario".padding(toLength: BenchRow.scenarioColumn, withPad: " ", startingAt: 0) + "min".leftPadded(8)
        + "median".leftPadded(8) + "max".leftPadded(8) + "runs".leftPadded(6) + "goal".leftPadded(8)
        + "  result (by the median)")
    for line in lines {
      print(
        line.scenario.padding(toLength: BenchRow.scenarioColumn, withPad: " ", startingAt: 0)
          + String(format: "%.2f", line.minimum).leftPadded(8)
          + String(format: "%.2f", line.median).leftPadded(8)
          + String(format: "%.2f", line.maximum).leftPadded(8) + "\(line.runs)".leftPadded(6)
          + BenchRow.goalText(line.goal, lowerIsBetter: line.lowerIsBetter).leftPadded(8)
          + (line.pass ? "  pass" : "  FAIL")
          + String(format: " (worst run %.2f)", line.worst))
    }
  }
}
