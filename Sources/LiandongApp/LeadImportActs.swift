import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// A CSV file of leads to import, and how.
public struct LeadImportRequest: Sendable {
  /// The file's bytes (UTF-8 CSV) and its name, for messages.
  public var data: Data
  public var fileName: String
  public var audience: Audience?
  /// Leads per change, 1-5000.
  public var leadsPerChange: Int
  /// Check and report, but write nothing.
  public var checkOnly: Bool

  public init(data: Data, fileName: String, audience: Audience?, leadsPerChange: Int, checkOnly: Bool) {
    self.data = data
    self.fileName = fileName
    self.audience = audience
    self.leadsPerChange = leadsPerChange
    self.checkOnly = checkOnly
  }
}

/// What an import did.
public struct LeadImportSummary: Encodable, Sendable {
  public var rows: Int
  public var imported: Int
  public var alreadyImported: Int
  public var refused: [LeadImport.RowError]
  public var changes: Int
  public var seconds: Double
}

/// Told to the front end as the import goes: refused rows when their stretch is reached (before
/// it is written), and how many rows are done.
public enum LeadImportEvent: Sendable {
  case refused([LeadImport.RowError])
  case progress(done: Int, total: Int)
}

extension NodeApp {
  /// Imports leads from CSV: every row is checked before it is written, a refused row is
  /// reported and skipped, and valid rows become changes of `leadsPerChange` leads, each written
  /// whole or not at all. IDs derive from the file's content and line, so running the same import
  /// again records only what an interrupted run had not.
  ///
  /// The file is checked a stretch at a time, and each stretch's rows are looked up, grouped into
  /// changes and their bodies encoded on the other core while the stretch before it writes.
  public func importLeads(
    _ request: LeadImportRequest, by officer: Officer, events: (LeadImportEvent) -> Void = { _ in }
  ) throws -> LeadImportSummary {
    guard (1...5000).contains(request.leadsPerChange) else {
      throw UsageError(code: "usage.per-change", message: "--per-change must be between 1 and 5000")
    }
    guard let text = String(data: request.data, encoding: .utf8) else {
      throw UsageError(
        code: "import.not-utf8", message: "\(request.fileName) is not UTF-8 text; save the CSV as UTF-8")
    }
    let started = Date()
    let audience = request.audience ?? .originOnly
    let sheet = try LeadImport.Sheet(text, seed: Data(node.rawValue.utf8) + SHA256.hash(request.data))
    let store = self.store, author = officer.id
    let perChange = request.checkOnly ? nil : request.leadsPerChange
    let stretch = LeadImport.leadsPerTransaction
    func prepare(_ start: Int) -> Ahead<Result<ImportStretch, any Error>>? {
      guard start < sheet.count else { return nil }
      let positions = start..<min(sheet.count, start + stretch)
      return Ahead {
        Result {
          try ImportStretch(sheet.check(positions), store: store, leadsPerChange: perChange, officer: author)
        }
      }
    }
    var rows = 0, pending = 0, changes = 0, errors: [LeadImport.RowError] = []
    var next = prepare(0), start = 0
    while let ahead = next {
      let checked = try ahead.value().get()
      if !checked.errors.isEmpty { events(.refused(checked.errors)) }
      start += stretch
      next = prepare(start)
      for transaction in checked.transactions {
        _ = try local.recordEach(prepared: transaction, audience: audience, now: Date())
      }
      rows += checked.rows
      pending += checked.pending
      changes += checked.changes
      errors += checked.errors
      events(.progress(done: min(start, sheet.count), total: sheet.count))
    }
    return LeadImportSummary(
      rows: rows + errors.count, imported: request.checkOnly ? 0 : pending, alreadyImported: rows - pending,
      refused: errors, changes: changes, seconds: Date().timeIntervalSince(started))
  }
}

/// One stretch of the file: its rows checked, those not imported before grouped into changes,
/// and the changes' bodies encoded and decoded for their transactions (`NodeHome.prepare`).
struct ImportStretch: Sendable {
  var rows: Int
  var pending: Int
  var errors: [LeadImport.RowError]
  var changes: Int
  var transactions: [[PreparedBody]]

  /// `leadsPerChange` nil: checked only (`--check`), nothing prepared.
  init(
    _ checked: (rows: [LeadImport.Row], errors: [LeadImport.RowError]), store: NodeStore,
    leadsPerChange: Int?,
    officer: String
  ) throws {
    let existing = try store.existingLeads(among: checked.rows.map(\.leadID.description))
    let pending = checked.rows.filter { !existing.contains($0.leadID.description) }
    let changes = leadsPerChange.map { LeadImport.changes(pending, leadsPerChange: $0) } ?? []
    rows = checked.rows.count
    self.pending = pending.count
    errors = checked.errors
    self.changes = changes.count
    transactions = LeadImport.transactions(changes).map { NodeHome.prepare($0, officer: officer) }
  }
}
