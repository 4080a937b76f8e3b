import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

/// Which leads a list asks for, and from where.
public struct LeadQuery: Sendable, Equatable {
  public var state: LeadState?
  public var risk: RiskLevel?
  public var violation: Violation?
  /// The node that recorded the lead, and the one that owns it now (after a hand-off).
  public var origin: String?
  public var owner: String?
  /// Text the summary or a subject's name contains.
  public var text: String?
  /// Recorded on these days in China (both included), by the signed time of the change that
  /// created the lead.
  public var from: CivilDate?
  public var to: CivilDate?
  public var order = LeadOrder.newest
  public var limit: Int
  /// The `next` of the page before (opaque to callers).
  public var cursor: String?

  public init(
    state: LeadState? = nil, risk: RiskLevel? = nil, text: String? = nil, limit: Int = 50,
    cursor: String? = nil
  ) {
    self.state = state
    self.risk = risk
    self.text = text
    self.limit = limit
    self.cursor = cursor
  }

  /// Refuses a search text longer than any name and a range of days that ends before it begins,
  /// alike for a page and for the whole list.
  func checkFilters() throws {
    try TextLimit.check("search text", text, limit: TextLimit.name)
    try checkDays(from: from, to: to)
  }

  /// Whether `lead` is one this query asks for (by its filters; not the page or the order): what
  /// the store's indexed page query (`NodeStore.leadPage`) answers too.
  public func matches(_ lead: LeadView) -> Bool {
    if from != nil || to != nil {
      let day = CivilDate(iso: lead.created)
      if let from, day < from { return false }
      if let to, to < day { return false }
    }
    if let state, lead.state != state { return false }
    if let risk, lead.risk != risk { return false }
    if let violation, !lead.violations.contains(violation) { return false }
    if let origin, lead.origin != origin { return false }
    if let owner, lead.owner != owner { return false }
    guard let needle = text.map(LeadFilter.folded), !needle.isEmpty else { return true }
    return LeadFilter.finds(needle, in: lead.summary)
      || lead.subjects.contains {
        LeadFilter.finds(needle, in: $0.name) || $0.uscc.map(LeadFilter.folded) == needle
      }
  }
}

/// The order of a list of leads: by when each was recorded (the signed time of the change that
/// created it).
public enum LeadOrder: String, CaseIterable, Sendable {
  case newest, oldest
}

/// One page of leads, in the order asked for, and where the next one starts (nil on the last page).
public struct LeadPage: Codable, Sendable {
  public var items: [LeadView]
  public var nextCursor: String?
}

extension NodeApp {
  /// Leads this node holds that match `query`, newest first or oldest first (by the signed time
  /// of the change that created each), one page at a time. A cursor names the last lead of the page before,
  /// so pages neither repeat nor skip a lead when new ones arrive meanwhile.
  public func leads(_ query: LeadQuery) throws -> LeadPage {
    guard (1...200).contains(query.limit) else {
      throw UsageError(code: "usage.limit", message: "a page holds 1 to 200 leads, not \(query.limit)")
    }
    try query.checkFilters()
    var filter = LeadFilter(
      state: query.state?.rawValue, risk: query.risk?.rawValue, violation: query.violation?.rawValue,
      origin: query.origin, owner: query.owner, text: query.text)
    filter.createdFrom = query.from?.chinaStartMillis
    filter.createdBefore = query.to?.adding(days: 1).chinaStartMillis
    filter.oldestFirst = query.order == .oldest
    let last = try query.cursor.map(Self.decodeCursor)
    guard let page = try store.leadPage(filter, after: last, limit: query.limit + 1) else {
      throw UsageError(
        code: "api.bad-cursor",
        message: "the cursor '\(query.cursor?.prefix(40) ?? "")' is not one this node gave")
    }
    let items = Array(page.prefix(query.limit))
    return LeadPage(
      items: items, nextCursor: page.count > items.count ? items.last.map { Self.encodeCursor($0.id) } : nil)
  }

  /// Every lead this node holds that matches `query`, in its order, on one list (the query's
  /// limit and cursor are not asked): what `lead list` prints without `--limit`.
  public func allLeads(_ query: LeadQuery) throws -> [LeadView] {
    try query.checkFilters()
    let oldestFirst = try views.leads().filter(query.matches)
    return query.order == .newest ? oldestFirst.reversed() : oldestFirst
  }

  static func encodeCursor(_ id: String) -> String { Data(id.utf8).base64URL }

  static func decodeCursor(_ text: String) throws -> String {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64), let id = String(data: data, encoding: .utf8) else {
      throw UsageError(
        code: "api.bad-cursor", message: "the cursor '\(text.prefix(40))' is not one this node gave")
    }
    return id
  }
}
