import ArgumentParser
import Foundation
import LiandongErrors

/// `liandong errors`: every error code with its category, exit status and remedy, so that an
/// operator who meets a code can look it up, and scripts can branch on categories.
struct ErrorsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "errors",
    abstract: "List every error code with its category, exit status and remedy.",
    discussion: """
      Exit statuses by category: \(ErrorCategory.allCases.map { "\($0.rawValue) \($0.exitStatus)" }.joined(separator: ", ")).
      Example: liandong errors input.uscc
      """)

  @Argument(help: "Show only codes that start with this (e.g. 'sync.' or 'input.uscc').") var prefix: String?
  @Flag(help: "Print machine-readable JSON.") var json = false
  @Flag(help: "Print the Markdown table of Protocol/ERRORS.md.") var markdown = false

  struct Line: Encodable {
    var code: String
    var category: String
    var exitStatus: Int32
    var httpStatus: Int
    var remedy: String
  }

  func run() throws {
    if markdown { return Output.document(ErrorCatalogue.markdown()) }
    let entries = ErrorCatalogue.entries.filter { prefix == nil || $0.code.hasPrefix(prefix!) }
    guard !entries.isEmpty else {
      throw Output.exitCode(
        reporting: UsageError(
          code: "usage.unknown-code", message: "no error code starts with '\(prefix ?? "")'"))
    }
    let lines = entries.map {
      Line(
        code: $0.code, category: $0.category.rawValue, exitStatus: $0.category.exitStatus,
        httpStatus: $0.category.httpStatus, remedy: $0.remedy)
    }
    if json { return try Output.json(lines) }
    for line in lines {
      print("\(line.code)  [\(line.category), exit \(line.exitStatus)]")
      print("  \(line.remedy)")
    }
  }
}
