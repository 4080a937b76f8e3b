import Foundation
import LiandongCore

extension NodeProcess {
  /// Names in node.json a calendar that covers the next two years, for a test that counts
  /// deadlines from the wall clock or expects a healthy node whatever today's date: the built-in
  /// calendar ends with the last year the State Council has published, so from mid-December a
  /// deadline of 15 working days falls past it, and from January today does. A test fixture: the
  /// built-in years as they are, the later ones weekends only, no official holidays. (Tests of
  /// the official schedule itself pin their clock inside it instead.)
  func countWithCalendarAhead() throws {
    var file =
      try JSONSerialization.jsonObject(with: Data(WorkdayCalendar.builtInJSON.utf8)) as? [String: Any] ?? [:]
    var years = file["years"] as? [String: Any] ?? [:]
    let thisYear = Calendar(identifier: .gregorian).component(.year, from: Date())
    let last = (years.keys.compactMap { Int($0) }.max() ?? thisYear)
    for year in (last + 1)...max(last + 1, thisYear + 2) {
      years["\(year)"] = ["holidays": [String](), "makeup_workdays": [String]()]
    }
    file["years"] = years
    file["source"] = "test fixture: the built-in years, then weekends only (not an official schedule)"
    let path = data.appendingPathComponent("calendar-ahead.json")
    try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]).write(to: path)
    try editConfiguration { $0["calendar"] = path.path }
  }
}
