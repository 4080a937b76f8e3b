import Foundation
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// A CSV file of leads to import, and how.
public struct LeadImportRequest: Sendable {
  /// The file's bytes (CSV) and its name, for messages.
  public var data: Data
  public var fileName: String
  public var encoding: ImportEncoding
  public var audience: Audience?
  /// Leads per change, 1-5000.
  public var leadsPerChange: Int
  /// Check and report, but write nothing.
  public var checkOnly: Bool

  public init(
    data: Data, fileName: String, encoding: ImportEncoding = .auto, audience: Audience?, leadsPerChange: Int,
    checkOnly: Bool
  ) {
    self.data = data
    self.fileName = fileName
    self.encoding = encoding
    self.audience = audience
    self.leadsPerChange = leadsPerChange
    self.checkOnly = checkOnly
  }
}

/// What an import did.
public struct LeadImportSummary: Encodable, Sendable {
  /// The encoding the file was read in (`utf-8` or `gb18030`).
  public var encoding: String
  public var rows: Int
  public var imported: Int
  /// Rows whose lead this node already holds, from this file or another, or that repeat an
  /// earlier row of this file.
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
  /// whole or not at all. IDs derive from each row's content (`LeadImport.contentKey`), so
  /// importing the same rows again, however the file was saved, records only what is new.
  ///
  /// The file is checked a stretch at a time, and each stretch's rows are looked up, grouped into
  /// changes and their bodies encoded on the other core while the stretch before it writes.
  public func importLeads(
    _ request: LeadImportRequest, by officer: Officer, events: (LeadImportEvent) -> Void = { _ in }
  ) throws -> LeadImportSummary {
    guard (1...5000).contains(request.leadsPerChange) else {
      throw UsageError(code: "usage.per-change", message: "--per-change must be between 1 and 5000")
    }
    let (text, encoding) = try request.encoding.decode(request.data, fileName: request.fileName)
    let started = Date()
    let audience = request.audience ?? .originOnly
    let sheet = try LeadImport.Sheet(text, seed: Data(node.rawValue.utf8), divisions: try divisionList())
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
    // Leads written by earlier stretches: the next stretch was prepared while they were being
    // written, so a row it repeats from them is found here, not in the store.
    var written = Set<ObjectID>()
    while let ahead = next {
      var checked = try ahead.value().get()
      if !written.isDisjoint(with: checked.pendingIDs) {
        checked = try ImportStretch(
          checked.checked, store: store, leadsPerChange: perChange, officer: author, excluding: written)
      }
      written.formUnion(checked.pendingIDs)
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
      encoding: encoding == .auto ? "utf-8" : encoding.rawValue, rows: rows + errors.count,
      imported: request.checkOnly ? 0 : pending, alreadyImported: rows - pending,
      refused: errors, changes: changes, seconds: Date().timeIntervalSince(started))
  }
}

/// One stretch of the file: its rows checked, those not imported before grouped into changes,
/// and the changes' bodies encoded and decoded for their transactions (`NodeHome.prepare`).
struct ImportStretch: Sendable {
  var checked: (rows: [LeadImport.Row], errors: [LeadImport.RowError])
  var rows: Int { checked.rows.count }
  var errors: [LeadImport.RowError] { checked.errors }
  /// The leads this stretch writes: new to the store, each once.
  var pendingIDs: Set<ObjectID>
  var pending: Int { pendingIDs.count }
  var changes: Int
  var transactions: [[PreparedBody]]

  /// `leadsPerChange` nil: checked only (`--check`), nothing prepared. A row whose lead the
  /// store holds, or is in `excluding`, or repeats an earlier row of the stretch, is not pending.
  init(
    _ checked: (rows: [LeadImport.Row], errors: [LeadImport.RowError]), store: any NodeStorage,
    leadsPerChange: Int?,
    officer: String, excluding: Set<ObjectID> = []
  ) throws {
    let existing = try store.existingLeads(among: checked.rows.map(\.leadID.description))
    var seen = excluding
    let pending = checked.rows.filter {
      !existing.contains($0.leadID.description) && seen.insert($0.leadID).inserted
    }
    let changes = leadsPerChange.map { LeadImport.changes(pending, leadsPerChange: $0) } ?? []
    self.checked = checked
    pendingIDs = Set(pending.map(\.leadID))
    self.changes = changes.count
    transactions = LeadImport.transactions(changes).map { NodeHome.prepare($0, officer: officer) }
  }
}
