import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

struct ChangesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "changes",
    abstract: "Move signed changes between nodes as a file (for air-gapped transfer, and until sync).",
    subcommands: [ChangesExport.self, ChangesImport.self])
}

struct ChangesExport: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write changes to a file; bodies only for changes whose audience includes --for.")
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("The file to write.", valueName: "file")) var out: String
  @Option(
    help: ArgumentHelp(
      "The node the file is for: it receives stubs of changes outside its audience.", valueName: "node"))
  var `for`: String
  @Flag(help: "Replace the file if it exists.") var force = false

  func execute() throws {
    let recipient = try NodeID(self.for)
    let changes = try options.openApp().exportChanges(
      for: recipient, to: URL(fileURLWithPath: out), replacing: force)
    let stubs = changes.filter(\.isStub).count
    if options.json {
      try Output.json(["changes": changes.count, "stubs": stubs])
    } else {
      print("wrote \(changes.count) changes (\(stubs) as stubs) for \(recipient) to \(out)")
    }
  }
}

struct ChangesImport: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "import", abstract: "Verify and store the changes in a file made by 'changes export'.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The change file.") var file: String

  func execute() throws {
    let result = try options.openApp().importChanges(from: URL(fileURLWithPath: file))
    if options.json {
      try Output.json(result)
    } else {
      print(
        "stored \(result.stored), bodies filled \(result.bodiesFilled), duplicates \(result.duplicates), refused \(result.refused.count), forks \(result.forks.count)"
      )
      for line in result.refused + result.forks { print("  \(line)") }
    }
    if !result.refused.isEmpty || !result.forks.isEmpty { throw ExitCode(1) }
  }
}
