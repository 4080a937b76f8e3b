import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
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
      all. A lead's ID derives from its row's content, so importing the same rows again (after a \
      crash, or from a copy saved with a BOM, other line endings, other column order or more \
      rows) records only the rows not imported before, and a row repeated in a file once. The \
      header may name each column once.

      The file may be UTF-8 or GB18030/GBK (what Excel on a Chinese Windows saves as CSV): \
      detected, or named with --encoding; the summary says which was used.
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
  @Option(
    help: ArgumentHelp(
      "The file's encoding: \(ImportEncoding.allCases.map(\.rawValue).joined(separator: ", ")).",
      valueName: "encoding"))
  var encoding = ImportEncoding.auto.rawValue
  @OptionGroup var officer: OfficerOption

  /// Refused rows named one by one on stderr; the rest are counted (all are in --json).
  static let errorsShown = 50

  func execute() throws {
    let chosen = try ImportEncoding(canonical: encoding.lowercased())
    let data = try NodeHome.readFile(URL(fileURLWithPath: file))
    let app = try options.openApp()
    let audience = try to.map { try app.audience(parsing: $0) }
    var progress: ImportProgress? = nil
    var shown = 0
    let summary = try app.importLeads(
      LeadImportRequest(
        data: data, fileName: file, encoding: chosen, audience: audience, leadsPerChange: perChange,
        checkOnly: check),
      by: officer.person
    ) { event in
      switch event {
      case .refused(let errors):
        // A stretch's refused rows are reported when it is reached, before it is written.
        let now = min(errors.count, max(0, Self.errorsShown - shown))
        guard !options.json && now > 0 else { return }
        progress?.stepAside()
        for error in errors.prefix(now) {
          Output.error("\(file):\(error.line): not imported: \(error.reason)")
        }
        shown += now
      case .progress(let done, let total):
        if progress == nil { progress = ImportProgress(total: total, quiet: options.json) }
        progress?.update(done)
      }
    }
    progress?.finish()
    let refused = summary.refused.count
    if refused > Self.errorsShown && !options.json {
      Output.error("... and \(refused - Self.errorsShown) more rows not imported")
    }
    if options.json {
      try Output.json(summary)
    } else {
      print(
        check
          ? "\(summary.rows - refused) rows valid, \(refused) refused; nothing written (--check, read as \(summary.encoding))"
          : "read as \(summary.encoding); imported \(summary.imported) leads in \(summary.changes) changes (\(summary.alreadyImported) already imported, \(refused) refused) in \(String(format: "%.1f", summary.seconds)) s, shared with: \(audience ?? .originOnly)"
      )
    }
    // Some rows were refused: the documented status 2, the one of invalid input.
    if refused > 0 { throw ExitCode(ErrorCategory.invalidInput.exitStatus) }
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
