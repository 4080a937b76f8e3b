import ArgumentParser
import Foundation
import LiandongCore
import LiandongCrypto
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
}

/// A command-line mistake, reported like every other error.
struct UsageError: CodedError {
  var code: String
  var message: String
  var description: String { message }
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
}

/// Commands implement `execute`; `run` turns any coded error into `error[code]: message` on
/// stderr and exit status 1, so scripts can rely on both.
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
  /// Prints `error[code]: message` (or the error) on stderr; the exit status is 1.
  static func exitCode(reporting error: any Error) -> ExitCode {
    switch error {
    case let exit as ExitCode: return exit
    case let coded as CodedError: Self.error("error[\(coded.code)]: \(coded.description)")
    default: Self.error("error: \(error)")
    }
    return ExitCode(1)
  }

  static func error(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  static func json(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  /// A plain text table: columns padded to the widest cell, the last column left ragged.
  static func table(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
      let cells = row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
      }
      print(cells.joined(separator: "  "))
    }
  }
}

extension NodeHome {
  /// Records one operation by this node's officer; if the reducers refused it (it is kept in the
  /// log, with no effect), throws the refusal's code and reason, so the officer knows at once.
  @discardableResult
  func recordAct(_ operation: DomainOperation, named name: String, audience: Audience, officer: OfficerOption)
    throws -> SignedChange
  {
    try recordActs([operation], named: name, audience: audience, officer: officer)
  }

  /// Several operations in one change: all are signed together, and the first refusal is reported.
  @discardableResult
  func recordActs(
    _ operations: [DomainOperation], named name: String, audience: Audience, officer: OfficerOption
  )
    throws -> SignedChange
  {
    let change = try record(operations, audience: audience, officer: officer.resolved)
    if let refusal = try store.refusals().first(where: { $0.change == change.id.hex }) {
      throw UsageError(
        code: refusal.code, message: "\(name) was recorded but has no effect: \(refusal.reason)")
    }
    return change
  }
}
