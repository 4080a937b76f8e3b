import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

/// Options every command that works on a node takes.
struct NodeOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp("The node's data folder.", discussion: "Default: $LIANDONG_DATA.", valueName: "dir"))
  var data: String?

  @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
  var json = false

  func directory() throws -> URL {
    guard let path = data ?? ProcessInfo.processInfo.environment["LIANDONG_DATA"], !path.isEmpty else {
      throw UsageError(code: "usage.no-data", message: "no data folder: pass --data DIR or set LIANDONG_DATA")
    }
    return URL(fileURLWithPath: path)
  }

  func openNode() throws -> NodeHome { try NodeHome.open(try directory()) }

  /// The node's application layer: every act goes through it.
  func openApp() throws -> NodeApp { NodeApp(home: try openNode()) }

  /// An object ID given whole, or by its first characters (`NodeApp.objectID`): only a prefix
  /// needs the node's store.
  func objectID(_ text: String) throws -> ObjectID {
    if let whole = try? ObjectID(text) { return whole }
    return try openApp().objectID(text)
  }
}

/// How much one sync batch may hold.
struct BatchOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "About how many bytes of changes to send per batch (4096 to 8388608).",
      discussion:
        "Default \(ServeSettings.defaults.batchBytes!). Smaller batches are acknowledged sooner, which suits slow or unreliable links.",
      valueName: "bytes"))
  var batchBytes: Int?

  /// The option's value, else `fallback` (the configuration file's, or the default), checked.
  func validated(fallback: Int = ServeSettings.defaults.batchBytes!) throws -> Int {
    let value = batchBytes ?? fallback
    guard (4096...(8 << 20)).contains(value) else {
      throw UsageError(code: "usage.batch-bytes", message: "batch bytes \(value): use 4096 to 8388608")
    }
    return value
  }
}

/// The officer recorded with each change: --officer, else $LIANDONG_OFFICER, else the login name.
struct OfficerOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The officer making this change, recorded in the signed change.",
      discussion: "Default: $LIANDONG_OFFICER, else your login name.", valueName: "id"))
  var officer: String?

  var resolved: String {
    let environment = ProcessInfo.processInfo.environment
    return officer ?? environment["LIANDONG_OFFICER"] ?? environment["USER"] ?? "unknown"
  }

  var person: Officer { Officer(resolved) }
}

/// Commands implement `execute`; `run` turns any error into `error[code]: message` and a hint
/// (the remedy) on stderr, with the exit status of the error's category, so scripts can rely on
/// both (Protocol/ERRORS.md).
protocol NodeCommand: ParsableCommand {
  func execute() throws
}

extension NodeCommand {
  func run() throws {
    do { try execute() } catch { throw Output.exitCode(reporting: error) }
  }
}

/// The same contract for commands that do network work.
protocol AsyncNodeCommand: AsyncParsableCommand {
  func execute() async throws
}

extension AsyncNodeCommand {
  func run() async throws {
    do { try await execute() } catch { throw Output.exitCode(reporting: error) }
  }
}

enum Output {
  /// Prints `error[code]: message` and `hint: remedy` on stderr; the exit status is the
  /// category's. No raw Foundation, SQLite or NIO text: `Failure` words every error.
  static func exitCode(reporting error: any Error) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    let failure = Failure(error)
    Self.error("error[\(failure.code)]: \(failure.message)")
    Self.error("hint: \(failure.remedy)")
    if ProcessInfo.processInfo.environment["LIANDONG_DEBUG"] == "1" {
      Self.error("raised in: \(failure.raisedIn)")
    }
    return ExitCode(failure.category.exitStatus)
  }

  /// One line on stderr, escaped like every line on stdout (`TerminalText`): an error's
  /// message often quotes what a person or a peer wrote.
  static func error(_ line: String) {
    FileHandle.standardError.write(Data((TerminalText.safe(line) + "\n").utf8))
  }

  static func json(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // JSON escapes control characters itself, and its own newlines are its structure.
    Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  /// A text of several lines this program wrote (a generated document), printed line by line.
  static func document(_ text: String) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    for line in lines { print(line) }
  }

  /// A plain text table: cells escaped (`TerminalText`), columns padded to the widest cell as
  /// a terminal draws it (a Chinese character takes two columns), the last column left ragged.
  static func table(_ header: [String], _ rows: [[String]]) {
    let all = ([header] + rows).map { $0.map(TerminalText.safe) }
    let widths = header.indices.map { column in all.map { TerminalText.width($0[column]) }.max() ?? 0 }
    for row in all {
      let cells = row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : TerminalText.padded(cell, to: widths[index])
      }
      print(cells.joined(separator: "  "))
    }
  }
}
