import ArgumentParser
import Foundation
import LiandongErrors
import LiandongNode
import LiandongProtocol
import LiandongStore

/// This program's release; `--version` prints it with the versions a peer or a database must match.
let programVersion = "0.10.0"

@main
struct Liandong: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "liandong",
    abstract: "联动 Liandong: a regional market-regulation node that shares leads, evidence and requests.",
    discussion: """
      Every write becomes a signed change in this node's log; the tables you see are folded from \
      that log, so any two nodes holding the same changes show the same data.

      Start with 'liandong init' (needs a certificate from the federation CA), then \
      'liandong lead add'. Every command takes --data DIR (default: $LIANDONG_DATA).
      """,
    version:
      "liandong \(programVersion) (sync protocol \(SyncSession.protocolVersion), database schema \(NodeStore.schemaVersion))",
    subcommands: [
      InitCommand.self, LeadCommand.self, EvidenceCommand.self, RequestCommand.self, HandOffCommand.self,
      PoliceCommand.self, DueCommand.self, HistoryCommand.self, ConflictsCommand.self, ReportCommand.self,
      AlertsCommand.self, LogCommand.self, VerifyCommand.self, RebuildCommand.self, StatusCommand.self,
      ChangesCommand.self, PeerCommand.self, ServeCommand.self, SyncCommand.self, BackupCommand.self,
      RestoreCommand.self, CRLCommand.self, CertCommand.self, FederationCommand.self, OfficerCommand.self,
      ForkCommand.self, ReachCommand.self, ErrorsCommand.self, DoctorCommand.self,
    ])

  /// Tunes the allocator before anything is allocated, then parses and runs as ArgumentParser
  /// does, except that a usage mistake (a missing value, an unknown option) is reported as every
  /// other error is, `error[usage.arguments]` and a hint, with the invalid-input status 2
  /// rather than ArgumentParser's own words and 64.
  static func main() async {
    AllocatorTuning.apply()
    do {
      var command = try parseAsRoot()
      if var asynchronous = command as? any AsyncParsableCommand {
        try await asynchronous.run()
      } else {
        try command.run()
      }
    } catch {
      // The one place the process ends, as in ArgumentParser's own `main`; commands never exit.
      exit(withError: reportingUsageMistakes(error))
    }
  }

  /// A usage mistake, reported as every other error, becomes the invalid-input status; any
  /// other error (help, a command's coded failure) passes through to ArgumentParser.
  static func reportingUsageMistakes(_ error: any Error) -> any Error {
    guard !(error is ExitCode), exitCode(for: error) == .validationFailure else { return error }
    // ArgumentParser ends its message with "See 'liandong due --help' for more information."
    let help = fullMessage(for: error).split(separator: "'").first { $0.hasSuffix("--help") }
    let code = ErrorCatalogue.entry(for: "usage.arguments")!.code
    Output.error("error[\(code)]: \(message(for: error))")
    Output.error("hint: Run '\(help ?? "liandong --help")' for the options and an example.")
    return ExitCode(ErrorCategory.invalidInput.exitStatus)
  }
}
