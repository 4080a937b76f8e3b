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
      quotes inside). Every row is checked first: a row with a bad identifier or value is \
      reported with its line number and reason and is not imported; the others are. Valid rows \
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
    let (rows, errors) = try LeadImport.parse(text, seed: Data(home.node.rawValue.utf8) + SHA256.hash(data))
    for error in errors.prefix(options.json ? 0 : 50) {
      Output.error("\(file):\(error.line): not imported: \(error.reason)")
    }
    if errors.count > 50 && !options.json {
      Output.error("... and \(errors.count - 50) more rows not imported")
    }
    let existing = try home.store.existingLeads(among: rows.map(\.leadID.description))
    let pending = rows.filter { !existing.contains($0.leadID.description) }
    let changes = check ? [] : LeadImport.changes(pending, leadsPerChange: perChange)
    let progress = ImportProgress(total: changes.count, quiet: options.json)
    var done = 0
    // Each transaction's bodies are encoded and decoded on the other core while the one before
    // it writes (a sixth of an import's time when done inside the transaction).
    let groups = LeadImport.transactions(changes), author = officer.resolved
    func prepare(_ index: Int) -> Ahead<[PreparedBody]>? {
      guard index < groups.count else { return nil }
      let group = groups[index]
      return Ahead { NodeHome.prepare(group, officer: author) }
    }
    var next = prepare(0)
    for index in groups.indices {
      let prepared = next!.value()
      next = prepare(index + 1)
      _ = try home.recordEach(prepared: prepared, audience: audience)
      done += groups[index].count
      progress.update(done)
    }
    progress.finish()
    let summary = Summary(
      rows: rows.count + errors.count, imported: check ? 0 : pending.count,
      alreadyImported: rows.count - pending.count, refused: errors, changes: changes.count,
      seconds: Date().timeIntervalSince(started))
    defer { if !errors.isEmpty { Foundation.exit(2) } }
    if options.json { return try Output.json(summary) }
    print(
      check
        ? "\(rows.count) rows valid, \(errors.count) refused; nothing written (--check)"
        : "imported \(summary.imported) leads in \(summary.changes) changes (\(summary.alreadyImported) already imported, \(errors.count) refused) in \(String(format: "%.1f", summary.seconds)) s, shared with: \(audience)"
    )
  }
}

/// "change 12 of 400" on stderr, paced by `ProgressPacing`; never with --json.
final class ImportProgress {
  let total: Int
  var pacing: ProgressPacing

  init(total: Int, quiet: Bool) {
    self.total = total
    self.pacing = quiet ? ProgressPacing(enabled: false) : ProgressPacing()
  }

  func update(_ done: Int) {
    guard pacing.due() else { return }
    FileHandle.standardError.write(Data("\r  change \(done) of \(total)".utf8))
  }

  func finish() {
    if pacing.hasShown { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
