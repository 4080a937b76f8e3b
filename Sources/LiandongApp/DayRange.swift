import LiandongCore
import LiandongErrors

/// Refuses a range of days that ends before it begins: the `--from` and `--to` of lists and
/// reports (days in China, both included).
func checkDays(from: CivilDate?, to: CivilDate?) throws {
  if let from, let to, to < from {
    throw UsageError(code: "usage.date-range", message: "--from \(from) is after --to \(to)")
  }
}
