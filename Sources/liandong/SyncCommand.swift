import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongNode
import LiandongProtocol
import LiandongStore
import LiandongTLS
import Logging
import Synchronization

struct SyncCommand: AsyncNodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract: "Sync now with the named peers (or --all), then print what moved.",
    discussion: """
      Each peer must have been added with 'liandong peer add'. Progress goes to stderr when it is \
      a terminal and a sync takes more than a moment (never with --json). Exits non-zero, naming \
      the reason, if any peer is unreachable, refuses this node, or speaks another protocol \
      version; if either side refused changes or evidence files (sync.changes-refused, exit 5); or if \
      this node is quarantined for a fork of its own chain (node.quarantined, exit 4).

      A node restored from a backup writes again only once a sync has completed with every \
      configured peer since the restore: one of them may hold changes it signed after the \
      backup, and writing without them would fork its own chain. It says which peers it still \
      waits for. --accept-fork-risk lets it write without them, at that risk.
      """)

  @OptionGroup var options: NodeOptions
  @Argument(help: "Peer node IDs.") var peers: [String] = []
  @Flag(help: "Sync with every configured peer.") var all = false
  @Flag(
    help:
      "A restored node writes again after this sync even if some configured peer has not answered since the restore; its next write forks its chain if that peer holds changes it signed after the backup."
  )
  var acceptForkRisk = false
  @OptionGroup var batch: BatchOption

  struct PeerFailure: Encodable {
    var peer: String
    var code: String
    var message: String
    var remedy: String
    /// Not printed: the exit status of the first failure's category.
    var exitStatus: Int32 = 1

    enum CodingKeys: String, CodingKey { case peer, code, message, remedy }
  }

  struct Report: Encodable {
    var synced: [SyncSummary] = []
    var failed: [PeerFailure] = []
    /// For a restored node: the configured peers it must still sync with before it writes.
    var catchUpWaitingFor: [String]? = nil
    /// A checkpoint shows this node's own changes beyond what it holds: it may not write.
    var ownChangesMissing: OwnChainBeyond? = nil
  }

  /// What went wrong in sessions that completed: this node's own quarantine, and refusals
  /// either way. Each is a failure of the command, though everything else moved.
  static func problems(in summaries: [SyncSummary], quarantined: ForkView?) -> [PeerFailure] {
    var found: [PeerFailure] = []
    // First: the exit status is the first failure's, and a quarantine matters most.
    if let fork = quarantined {
      let entry = ErrorCatalogue.entry(for: "node.quarantined")!
      found.append(
        PeerFailure(
          peer: fork.origin, code: entry.code,
          message:
            "this node (\(fork.origin)) signed two different changes with sequence \(fork.sequence) "
            + "(\(fork.heldChange.prefix(12)) and \(fork.otherChange.prefix(12))): every node refuses its new changes",
          remedy: entry.remedy, exitStatus: entry.category.exitStatus))
    }
    let refused = ErrorCatalogue.entry(for: "sync.changes-refused")!
    for summary in summaries {
      var reasons: [String] = []
      if summary.peerRefused > 0 {
        reasons.append(
          "\(summary.peer) refused \(summary.peerRefused) of this node's changes"
            + Self.listed(summary.peerRefusals))
      }
      if summary.refusedReceived > 0 {
        reasons.append(
          "this node refused \(summary.refusedReceived) changes from \(summary.peer)"
            + Self.listed(summary.receivedRefusals))
      }
      if !summary.blobsRefused.isEmpty {
        reasons.append(
          "\(summary.blobsRefused.count) evidence files not received" + Self.listed(summary.blobsRefused))
      }
      guard !reasons.isEmpty else { continue }
      found.append(
        PeerFailure(
          peer: summary.peer, code: refused.code, message: reasons.joined(separator: "; "),
          remedy: refused.remedy, exitStatus: refused.category.exitStatus))
    }
    return found
  }

  private static func listed(_ reasons: [String]) -> String {
    reasons.isEmpty
      ? "" : ": " + reasons.prefix(3).joined(separator: "; ") + (reasons.count > 3 ? "; ..." : "")
  }

  func execute() async throws {
    let batchBytes = try batch.validated()
    let app = try options.openApp()
    let home = app.home
    let chosen = try app.peersToSync(named: peers, all: all)
    var logger = Logger(label: "liandong.sync") { VisibleLogHandler.standardError(label: $0) }
    logger.logLevel = .error
    let transport = try home.transport()
    let context = try TLSContext(
      TLSConfiguration(trust: home.trust, chain: transport.chain, key: transport.key),
      role: .client
    )
    var report = Report()
    var rounds = chosen.map { (peer: $0, again: false) }
    while !rounds.isEmpty {
      let (peer, again) = rounds.removeFirst()
      let progress = ProgressLine(peer: peer.node, quiet: options.json)
      do {
        let summary = try await NodeServer.sync(
          with: peer, home: home, context: context, logger: logger, batchBytes: batchBytes,
          progress: { progress.update($0) })
        progress.finish()
        report.synced.append(summary)
        // A clock correction signed after the session goes to the peer at once, so that the
        // changes it re-times count there now, not at the next sync.
        if summary.clockCorrection != nil, !again { rounds.insert((peer, true), at: 0) }
      } catch {
        progress.finish()
        report.failed.append(Self.explain(error, peer: peer))
      }
    }
    report.catchUpWaitingFor = try home.catchUpWaitingFor()
    report.ownChangesMissing = try home.ownChangesMissing()
    let acceptedRisk =
      acceptForkRisk && (report.catchUpWaitingFor != nil || report.ownChangesMissing != nil)
    if acceptedRisk {
      try home.acceptForkRisk()
      report.catchUpWaitingFor = nil
      report.ownChangesMissing = nil
    }
    report.failed =
      Self.problems(
        in: report.synced,
        quarantined: try app.changeLog.forks().first { $0.origin == app.node.rawValue && $0.kept == nil })
      + report.failed
    if options.json {
      try Output.json(report)
    } else {
      for summary in report.synced {
        print(
          "\(summary.peer): sent \(summary.changesSent) changes and \(summary.stubsSent) stubs, received "
            + "\(summary.changesReceived) (\(summary.duplicatesReceived) duplicates, \(summary.refusedReceived) refused), "
            + "\(summary.bytesSent + summary.bytesReceived) bytes in \(String(format: "%.2f", summary.seconds)) s"
        )
        if summary.blobsReceived + summary.blobsSent + summary.bodiesSent > 0 || !summary.blobsRefused.isEmpty
        {
          print(
            "  evidence files: received \(summary.blobsReceived) (\(summary.blobBytesReceived) bytes), "
              + "sent \(summary.blobsSent) (\(summary.blobBytesSent) bytes); bodies sent for stubs: \(summary.bodiesSent)"
          )
        }
        for refusal in summary.peerRefusals { print("  \(summary.peer) refused: \(refusal)") }
        for refusal in summary.blobsRefused { print("  file not received: \(refusal)") }
        if let adopted = summary.revocationListsAdopted {
          print("  the federation CA's revocation list in force now: \(adopted) (relayed by sync)")
        }
        if let correction = summary.clockCorrection {
          print("  this node's clock agrees with \(summary.peer)'s, but \(correction); sending it now")
        }
      }
      for failure in report.failed {
        Output.error("error[\(failure.code)]: \(failure.peer): \(failure.message)")
        Output.error("hint: \(failure.remedy)")
      }
      if let missing = report.ownChangesMissing {
        Output.error(
          "\(missing.signer) held this node's own changes up to #\(missing.sequence) (its checkpoint of "
            + "\(missing.time)); this node holds up to #\(missing.held), and writes again once a sync brings them back "
            + "(or with --accept-fork-risk)")
      }
      if let waiting = report.catchUpWaitingFor {
        Output.error(
          "restored from a backup: this node writes again once it has synced with "
            + (waiting.isEmpty ? "a peer" : waiting.joined(separator: ", "))
            + " (or with --accept-fork-risk)")
      } else if acceptedRisk {
        Output.error(
          "warning: writing again without having heard from every peer since the restore (--accept-fork-risk)"
        )
      }
    }
    if let first = report.failed.first { throw ExitCode(first.exitStatus) }
  }
}

extension SyncCommand {
  /// What went wrong, in the terms of the operator's next step.
  static func explain(_ error: any Error, peer: PeerView) -> PeerFailure {
    if case .cannotConnect(_, let reason) = error as? SocketError {
      let entry = ErrorCatalogue.entry(for: "sync.unreachable")!
      return PeerFailure(
        peer: peer.node, code: entry.code,
        message:
          "cannot reach \(peer.node) at \(peer.address): \(reason); is 'liandong serve' running there?",
        remedy: entry.remedy, exitStatus: entry.category.exitStatus)
    }
    let failure = Failure(error)
    return PeerFailure(
      peer: peer.node, code: failure.code, message: failure.message, remedy: failure.remedy,
      exitStatus: failure.category.exitStatus)
  }
}

/// Progress on stderr, paced by `ProgressPacing`: on a terminal only, after the first second, a
/// few times a second.
final class ProgressLine: Sendable {
  private let peer: String
  private let pacing: Mutex<ProgressPacing>

  init(peer: String, quiet: Bool) {
    self.peer = peer
    pacing = Mutex(quiet ? ProgressPacing(enabled: false) : ProgressPacing())
  }

  func update(_ summary: SyncSummary) {
    guard pacing.withLock({ $0.due() }) else { return }
    let line =
      "\r\(peer): \(summary.batchesReceived) batches in (\(summary.changesReceived) changes), "
      + "\(summary.batchesSent) out, \(summary.blobBytesReceived >> 20) MiB of files in   "
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    if pacing.withLock({ $0.hasShown }) { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
