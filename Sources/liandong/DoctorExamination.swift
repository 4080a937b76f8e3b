import Foundation
import LiandongApp
import LiandongErrors
import LiandongNode
import LiandongStore
import LiandongTLS
import Logging

/// One examination of a node's health, as `liandong doctor` prints it and as a running node's
/// API answers `GET /v1/doctor`: what needs only this machine (`NodeDoctor`), each peer probed,
/// and the systemd unit.
struct DoctorExamination: Sendable {
  /// How many held evidence files to read again.
  var sample = 20
  var probePeers = true
  var peerTimeout: Duration = .seconds(10)
  var unit = "liandong.service"

  func report(of directory: URL) async throws -> DoctorReport {
    let (home, local) = try NodeDoctor(directory: directory, sample: sample).examine()
    var findings = local
    if let home, probePeers { findings += await peers(home) }
    findings.append(Self.systemd(unit: unit))
    return DoctorReport(node: home?.node.rawValue, findings: findings)
  }

  /// Each configured peer probed (`PeerProbe`): reachable, trusted, and its clock.
  private func peers(_ home: NodeHome) async -> [DoctorFinding] {
    let configured = (try? home.store.peers()) ?? []
    guard !configured.isEmpty else {
      return [
        DoctorFinding(
          check: "peer", severity: .warning, reading: .noPeers,
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
          check: "peer", severity: .error,
          reading: .unreadable(.tlsContext, code: failure.code, message: failure.message),
          remedy: failure.remedy)
      ]
    }
    var logger = Logger(label: "liandong.doctor") { VisibleLogHandler.standardError(label: $0) }
    logger.logLevel = .critical
    let drift = TimeInterval(home.configuration.maximumDriftSeconds)
    var found: [DoctorFinding] = []
    for peer in configured {
      let reading = await PeerProbe.probe(
        peer, home: home, context: context, logger: logger, timeout: peerTimeout)
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
            check: "clock", subject: peer.node, severity: .skipped, reading: .clockNotTold(peer: peer.node)))
      }
    }
    return found
  }

  /// The unit's state, when systemd runs this machine (`/run/systemd/system` exists).
  static func systemd(unit: String) -> DoctorFinding {
    guard FileManager.default.fileExists(atPath: "/run/systemd/system") else {
      return DoctorFinding(check: "systemd", severity: .skipped, reading: .systemdAbsent)
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
      return DoctorFinding(check: "systemd", severity: .skipped, reading: .systemctlUnavailable)
    }
    let state = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    // No state at all: systemctl could not ask systemd. A user other than root asks over the
    // system bus, which a server without D-Bus lacks; that says nothing about the unit.
    guard !state.isEmpty else {
      return DoctorFinding(
        check: "systemd", subject: unit, severity: .skipped, reading: .systemctlUnavailable,
        remedy:
          "To see the unit's state here, install D-Bus (apt install dbus), or run 'liandong doctor' as root.")
    }
    guard state == "active" else {
      return DoctorFinding(
        check: "systemd", subject: unit, severity: .error, reading: .unitInactive(unit: unit, state: state),
        remedy: "See why with 'journalctl -u \(unit) -n 50', fix it, then 'systemctl restart \(unit)'.")
    }
    return DoctorFinding(check: "systemd", subject: unit, severity: .ok, reading: .unitActive(unit: unit))
  }
}
