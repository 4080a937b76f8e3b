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
    let (home, local) = try NodeDoctor(directory: try options.directory(), sample: sample).examine()
    var findings = local
    if let home, !noPeers { findings += await peers(home) }
    findings.append(Self.systemd(unit: unit))
    let report = DoctorReport(node: home?.node.rawValue, findings: findings)
    if options.json {
      try Output.json(report)
    } else {
      Self.show(report)
    }
    if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
  }

  /// Each configured peer probed (`PeerProbe`): reachable, trusted, and its clock.
  private func peers(_ home: NodeHome) async -> [DoctorFinding] {
    let configured = (try? home.store.peers()) ?? []
    guard !configured.isEmpty else {
      return [
        DoctorFinding(
          check: "peer", severity: .warning, message: "no peers are configured: this node shares nothing",
          remedy: "Add each peer with 'liandong peer add ID HOST:PORT' (Deploy/README.md, section 3).")
      ]
    }
    let context: TLSContext
    do {
      let transport = try home.transport()
      context = try TLSContext(
        TLSConfiguration(trust: home.trust, chain: transport.chain, key: transport.key),
        role: .client)
    } catch {
      let failure = Failure(error)
      return [
        DoctorFinding(
          check: "peer", severity: .error, message: "no TLS context: \(failure.message)",
          remedy: failure.remedy)
      ]
    }
    var logger = Logger(label: "liandong.doctor") { VisibleLogHandler.standardError(label: $0) }
    logger.logLevel = .critical
    let drift = TimeInterval(home.configuration.maximumDriftSeconds)
    var found: [DoctorFinding] = []
    for peer in configured {
      let reading = await PeerProbe.probe(
        peer, home: home, context: context, logger: logger, timeout: .seconds(timeout))
      let failure = reading.failure.map { Failure($0) }
      found.append(
        DoctorRules.peer(
          peer.node, address: peer.address, error: failure?.message,
          trustProblem: failure?.category == .forbidden,
          roundTrip: reading.roundTrip))
      if let offset = reading.clockOffset, let roundTrip = reading.roundTrip {
        // The peer read its clock between the end of our handshake and its Hello's arrival; in
        // whole milliseconds, so one more counts in its favour.
        found.append(
          DoctorRules.clock(
            peer: peer.node, offset: offset, uncertainty: roundTrip / 2 + 0.001, maximumDrift: drift))
      } else if reading.failure == nil {
        found.append(
          DoctorFinding(
            check: "clock", subject: peer.node, severity: .skipped,
            message: "\(peer.node) does not tell its clock (an older liandong)"))
      }
    }
    return found
  }

  /// The unit's state, when systemd runs this machine (`/run/systemd/system` exists).
  static func systemd(unit: String) -> DoctorFinding {
    guard FileManager.default.fileExists(atPath: "/run/systemd/system") else {
      return DoctorFinding(check: "systemd", severity: .skipped, message: "systemd does not run this machine")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/systemctl")
    process.arguments = ["is-active", unit]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
      process.waitUntilExit()
    } catch {
      return DoctorFinding(check: "systemd", severity: .skipped, message: "systemctl cannot be run")
    }
    let state = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    guard state == "active" else {
      return DoctorFinding(
        check: "systemd", subject: unit, severity: .error,
        message: "\(unit) is \(state.isEmpty ? "unknown" : state)",
        remedy: "See why with 'journalctl -u \(unit) -n 50', fix it, then 'systemctl restart \(unit)'.")
    }
    return DoctorFinding(check: "systemd", subject: unit, severity: .ok, message: "\(unit) is active")
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
