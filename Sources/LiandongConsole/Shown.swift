import Foundation
import LiandongCore

/// Text from people and peers as a page shows it: control, line-separating and bidirectional
/// formatting characters made visible (`\u{202E}`), so a summary cannot reorder or hide what
/// follows it; line breaks kept, as the summary's author wrote them. HTML escaping is the
/// template's (Mustache escapes every value).
enum Shown {
  static func text(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { VisibleText.escaped(String($0)) }
      .joined(separator: "\n")
  }

  static func optional(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return Shown.text(text)
  }

  /// An ISO 8601 time (UTC, as the store keeps it) as China time: `2026-12-02 11:23:56`.
  static func chinaTime(_ iso: String) -> String {
    guard let date = parse(iso) else { return iso }
    return chinaTime(date)
  }

  static func chinaTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: date)
  }

  static func parse(_ iso: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: iso) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: iso)
  }

  /// A file's size for people: `1.2 MB`.
  static func bytes(_ count: UInt64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
  }
}
