import ArgumentParser
import Foundation
import LiandongApp
import LiandongErrors
import LiandongNode
import LiandongStore
import LiandongTLS
import Logging

/// `liandong doctor`: everything an operator should know before users notice, in one run, each
/// finding with what to do. Read-only: it changes nothing on this node or its peers.
struct DoctorCommand: AsyncNodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract: "Check this node's health: clock, certificate, CRL, disk, database, evidence, peers.",
    discussion: """
      Each finding is ok, a WARNING (something will need doing soon) or an ERROR (something is \
      wrong now), with what to do. Exit status: 0 all ok, 1 warnings, 2 errors; --json for \
      monitoring. Checks: node.json; the node's certificate (warning 30 days before it expires) \
      and the CA's CRL (warning 7 days before its next update; after it, every peer's handshake \
      fails); this machine's clock against the newest change held and against each peer's; free \
      space on the data folder's file system; SQLite's quick check of the database; a sample of \
      evidence files read again against their SHA-256; each peer reachable and trusted (a TLS \
      handshake and a Hello, nothing exchanged); a restore still catching up; forks; and the \
      systemd unit when systemd runs this machine. Deploy/systemd/liandong-doctor.timer runs it \
      daily into the journal.

      Example: liandong doctor --data /var/lib/liandong
      """)

  @OptionGroup var options: NodeOptions

  @Option(help: ArgumentHelp("How many evidence files to read again (0: none).", valueName: "count"))
  var sample = 20

  @Flag(name: .customLong("no-peers"), help: "Do not contact the peers (no clock or reachability checks).")
  var noPeers = false

  @Option(help: ArgumentHelp("Seconds to wait for each peer.", valueName: "seconds"))
  var timeout = 10

  @Option(help: ArgumentHelp("The systemd unit that runs this node.", valueName: "name"))
  var unit = "liandong.service"

  func execute() async throws {
    guard sample >= 0, (1...300).contains(timeout) else {
      throw UsageError(
        code: "usage.arguments", message: "--sample must be 0 or more and --timeout 1 to 300 seconds")
    }
    let report = try await DoctorExamination(
      sample: sample, probePeers: !noPeers, peerTimeout: .seconds(timeout), unit: unit
    ).report(of: try options.directory())
    if options.json {
      try Output.json(report)
    } else {
      Self.show(report)
    }
    if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
  }

  static func show(_ report: DoctorReport) {
    print("doctor: node \(report.node ?? "(does not open)")")
    for finding in report.findings {
      let label =
        switch finding.severity {
        case .ok: "ok     "
        case .skipped: "skipped"
        case .warning: "WARNING"
        case .error: "ERROR  "
        }
      let check = finding.check + (finding.subject.map { " \($0)" } ?? "")
      print("\(label)  \(TerminalText.padded(check, to: 16))  \(finding.message)")
      if let remedy = finding.remedy { print("         \(String(repeating: " ", count: 16))  → \(remedy)") }
    }
    let errors = report.findings.filter { $0.severity == .error }.count
    let warnings = report.findings.filter { $0.severity == .warning }.count
    print(
      errors + warnings == 0
        ? "all well"
        : "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"): each says what to do"
    )
  }
}
