import Foundation

/// The official calendar shipped with the node: a copy of `Deploy/calendar/cn-workdays.json`
/// (a test keeps them equal). An operator supplies a newer file with `--calendar FILE` or
/// `$LIANDONG_CALENDAR`.
extension WorkdayCalendar {
  public static let builtInJSON = #"""
    {
      "source": "State Council General Office notices on public holiday arrangements (国办发明电〔2024〕12号 for 2025; notice of 2025-11-04 for 2026)",
      "note": "Working days are Monday-Friday, minus the holidays below, plus the make-up working days (调休上班) below. Extend this file each November when the next year's notice is published.",
      "years": {
        "2025": {
          "holidays": [
            "2025-01-01",
            "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04",
            "2025-04-04", "2025-04-05", "2025-04-06",
            "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05",
            "2025-05-31", "2025-06-01", "2025-06-02",
            "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"
          ],
          "makeup_workdays": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
        },
        "2026": {
          "holidays": [
            "2026-01-01", "2026-01-02", "2026-01-03",
            "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
            "2026-04-04", "2026-04-05", "2026-04-06",
            "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
            "2026-06-19", "2026-06-20", "2026-06-21",
            "2026-09-25", "2026-09-26", "2026-09-27",
            "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"
          ],
          "makeup_workdays": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
        }
      }
    }
    """#

  public static let builtIn = try! WorkdayCalendar(json: Data(builtInJSON.utf8))
}
