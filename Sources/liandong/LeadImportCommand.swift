import ArgumentParser
import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore

struct LeadImportCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import leads in bulk from a CSV file (platform-monitoring teams).",
    discussion: """
      The first row names the columns, in any order:
      \(LeadImport.columns.map { "  \($0.name.padding(toLength: 27, withPad: " ", startingAt: 0)) \($0.meaning)" }.joined(separator: "\n"))

      Cells follow RFC 4180 (quote a cell that holds a comma, a quote or a line break; double \
      quotes inside). Every row is checked before it is written: a row with a bad identifier or \
      value is not imported, and is reported with its line number and reason when the import \
      reaches it (use --check to see them all before writing anything); the others are \
      imported. Valid rows \
      become changes of up to --per-change leads each; each change is written whole or not at \
      all, so a crash leaves no partial change, and running the same import again records only \
      the rows a first, interrupted run had not (IDs derive from the file's content and line).
      Exit status: 0 if every row was imported (or had been), 2 if some rows were refused.

      Example:
        liandong lead import monitoring-2026-11.csv --to group:yrd
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The CSV file.") var file: String
  @Option(help: ArgumentHelp("Who may see the leads: 'all', node IDs or group:NAME.", valueName: "audience"))
  var to: String?
  @Option(help: "Leads per change (1-5000).") var perChange = 500
  @Flag(help: "Check the file and report, but write nothing.") var check = false
  @OptionGroup var officer: OfficerOption

  struct Summary: Encodable {
    var rows: Int
    var imported: Int
    var alreadyImported: Int
    var refused: [LeadImport.RowError]
    var changes: Int
    var seconds: Double
  }

  /// Refused rows named one by one on stderr; the rest are counted (all are in --json).
  static let errorsShown = 50

  func execute() throws {
    guard (1...5000).contains(perChange) else {
      throw UsageError(code: "usage.per-change", message: "--per-change must be between 1 and 5000")
    }
    let url = URL(fileURLWithPath: file)
    let data = try NodeHome.readFile(url)
    guard let text = String(data: data, encoding: .utf8) else {
      throw UsageError(code: "import.not-utf8", message: "\(file) is not UTF-8 text; save the CSV as UTF-8")
    }
    let started = Date()
    let home = try options.openNode()
    let audience = try to.map { try home.audience(parsing: $0) } ?? .originOnly
    let sheet = try LeadImport.Sheet(text, seed: Data(home.node.rawValue.utf8) + SHA256.hash(data))
    let progress = ImportProgress(total: sheet.count, quiet: options.json)
    // The file is checked a stretch at a time, and each stretch's rows are looked up, grouped
    // into changes and their bodies encoded on the other core while the stretch before it
    // writes: reading the file, checking it and finding what was imported already no longer
    // come before the first write.
    let store = home.store, author = officer.resolved, perChange = perChange, check = check
    let stretch = LeadImport.leadsPerTransaction
    func prepare(_ start: Int) -> Ahead<Result<Stretch, any Error>>? {
      guard start < sheet.count else { return nil }
      let positions = start..<min(sheet.count, start + stretch)
      return Ahead {
        Result {
          try Stretch(
            sheet.check(positions), store: store, leadsPerChange: check ? nil : perChange, officer: author)
        }
      }
    }
    var rows = 0, pending = 0, changes = 0, errors: [LeadImport.RowError] = []
    var next = prepare(0), start = 0
    while let ahead = next {
      let checked = try ahead.value().get()
      // A stretch's refused rows are reported when it is reached, before it is written.
      let shown = min(checked.errors.count, max(0, Self.errorsShown - errors.count))
      if !options.json && shown > 0 {
        progress.stepAside()
        for error in checked.errors.prefix(shown) {
          Output.error("\(file):\(error.line): not imported: \(error.reason)")
        }
      }
      start += stretch
      next = prepare(start)
      for transaction in checked.transactions {
        _ = try home.recordEach(prepared: transaction, audience: audience)
      }
      rows += checked.rows
      pending += checked.pending
      changes += checked.changes
      errors += checked.errors
      progress.update(min(start, sheet.count))
    }
    progress.finish()
    if errors.count > Self.errorsShown && !options.json {
      Output.error("... and \(errors.count - Self.errorsShown) more rows not imported")
    }
    let summary = Summary(
      rows: rows + errors.count, imported: check ? 0 : pending, alreadyImported: rows - pending,
      refused: errors, changes: changes, seconds: Date().timeIntervalSince(started))
    defer { if !errors.isEmpty { Foundation.exit(2) } }
    if options.json { return try Output.json(summary) }
    print(
      check
        ? "\(rows) rows valid, \(errors.count) refused; nothing written (--check)"
        : "imported \(summary.imported) leads in \(summary.changes) changes (\(summary.alreadyImported) already imported, \(errors.count) refused) in \(String(format: "%.1f", summary.seconds)) s, shared with: \(audience)"
    )
  }
}

/// One stretch of the file: its rows checked, those not imported before grouped into changes,
/// and the changes' bodies encoded and decoded for their transactions (`NodeHome.prepare`).
struct Stretch: Sendable {
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

/// "row 12000 of 200000" on stderr, paced by `ProgressPacing`; never with --json.
final class ImportProgress {
  let total: Int
  var pacing: ProgressPacing

  init(total: Int, quiet: Bool) {
    self.total = total
    self.pacing = quiet ? ProgressPacing(enabled: false) : ProgressPacing()
  }

  /// Whether a line is on the screen now, to be cleared or ended.
  private var drawn = false

  func update(_ done: Int) {
    guard pacing.due() else { return }
    FileHandle.standardError.write(Data("\r  row \(done) of \(total)".utf8))
    drawn = true
  }

  /// Clears the line, so that other lines can be written; the next update draws it again.
  func stepAside() {
    guard drawn else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    drawn = false
  }

  func finish() {
    if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
