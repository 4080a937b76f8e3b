import Foundation
import LiandongCore

/// The campaign statistics table of the 2021 SAMR notice (市监检测发〔2021〕54号), for one node
/// and a date range, from the node's own data. Figures Liandong does not record (listings
/// removed, fines) are reported as not recorded, never guessed.
public struct CampaignReport: Codable, Sendable {
  public struct Row: Codable, Sendable {
    public var item: String
    /// nil when Liandong does not record this figure.
    public var value: Int?
    public var basis: String
  }

  public var node: String
  public var from: CivilDate
  public var to: CivilDate
  public var rows: [Row]

  /// Counts what `node` did between `from` and `to` (days in China, both included).
  public static func compute(
    node: String, leads: [LeadView], requests: [RequestView], from: CivilDate, to: CivilDate
  )
    -> CampaignReport
  {
    let inRange = { (date: CivilDate) in from <= date && date <= to }
    // Leads this node decided in the range: its own handling of leads it received.
    let decided = leads.compactMap { lead -> (LeadView, HandlingView)? in
      guard let handling = lead.handling.first(where: { $0.bureau == node }), handling.outcome != nil,
        inRange(handling.updatedOn)
      else { return nil }
      return (lead, handling)
    }
    let opened = decided.filter { $0.1.outcome == .caseOpened }
    let seen = leads.filter { lead in
      (lead.origin == node && inRange(CivilDate(iso: lead.created)))
        || lead.handling.contains { $0.bureau == node && $0.acknowledgedOn.map(inRange) == true }
    }
    let platforms = Set(seen.flatMap { $0.subjects.compactMap(\.platform) })
    let verified = requests.filter {
      $0.requested == node && [.completed, .partlyCompleted, .closed].contains($0.state)
        && $0.findings != nil && $0.tasks.contains(AssistanceTask.verifyRegistration.rawValue)
        && inRange(CivilDate(iso: $0.updated))
    }
    let forged: Set<Violation> = [.forgedReport, .misusedCMA]
    let rows = [
      Row(
        item: "platforms involved", value: platforms.count,
        basis: "distinct platforms of the subjects of leads this node sent or acknowledged"),
      Row(
        item: "sellers whose qualification was verified",
        value: Set(decided.flatMap { $0.0.subjects.map(\.id) }).count + verified.count,
        basis: "subjects of leads this node decided, and verify-registration requests it completed"),
      Row(
        item: "sellers dealt with", value: Set(opened.flatMap { $0.0.subjects.map(\.id) }).count,
        basis: "subjects of leads on which this node opened a case"),
      Row(item: "listings removed", value: nil, basis: "not recorded in Liandong"),
      Row(item: "false-advertising items removed", value: nil, basis: "not recorded in Liandong"),
      Row(
        item: "cases of misused qualification or forged reports handled",
        value: opened.filter { !forged.isDisjoint(with: $0.0.violations) }.count,
        basis: "cases opened on leads naming forged-report or misused-cma"),
      Row(item: "entities punished, and total fines", value: nil, basis: "not recorded in Liandong"),
      Row(
        item: "cases transferred to public security",
        value: decided.filter { $0.1.outcome == .transferred }.count,
        basis: "leads this node decided as transferred"),
      Row(
        item: "cases against inspection bodies",
        value: opened.filter { $0.0.subjects.contains { $0.kind == .laboratory } }.count,
        basis: "cases opened on leads about a laboratory or certifier"),
    ]
    return CampaignReport(node: node, from: from, to: to, rows: rows)
  }
}

extension CivilDate {
  /// The day in China of an ISO 8601 UTC time such as `HLCTimestamp.iso8601` prints. Read by
  /// hand in the form views print (`YYYY-MM-DDTHH:MM:SSZ`), since lists and reports ask it of every
  /// lead and a formatter each time would cost more than the rest of their filters.
  public init(iso text: String) {
    if let millis = Self.millis(ofInstant: text) {
      self.init(chinaDayOf: millis)
      return
    }
    let date = ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: 0)
    self.init(chinaDayOf: date.unixMillis)
  }

  /// `YYYY-MM-DDTHH:MM:SSZ` in milliseconds since the Unix epoch; nil in any other form.
  private static func millis(ofInstant text: String) -> UInt64? {
    let parts = text.split(whereSeparator: { "T:Z".contains($0) }).map(String.init)
    guard parts.count == 4, let day = try? CivilDate(parts[0]), let hour = UInt64(parts[1]),
      let minute = UInt64(parts[2]), let second = UInt64(parts[3]), day.daysSinceEpoch >= 0
    else { return nil }
    return (UInt64(day.daysSinceEpoch) * 86_400 + hour * 3600 + minute * 60 + second) * 1000
  }
}

extension CampaignReport {
  /// The table as CSV (`item,value,basis`, every cell quoted), as `liandong report --format csv`
  /// prints it and the console downloads it; a figure Liandong does not record is `not recorded`.
  public var csv: String {
    func quoted(_ cell: String) -> String { "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    let lines = rows.map { row in
      [row.item, row.value.map(String.init) ?? "not recorded", row.basis].map(quoted).joined(separator: ",")
    }
    return (["item,value,basis"] + lines).joined(separator: "\n") + "\n"
  }
}
