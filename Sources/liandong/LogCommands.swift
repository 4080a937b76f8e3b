import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct LogCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "log", abstract: "Show the change log, oldest first (newest last), in replay order.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let log = try options.openApp().changeLog.log()
    if options.json { return try Output.json(log) }
    for change in log {
      let who = change.officer.map { " by \($0)" } ?? ""
      print(
        "\(change.id.prefix(12))  \(change.origin)#\(change.sequence)  \(change.time)\(who)  to \(change.audience)"
      )
      if change.stub {
        print("    (stub: this node is not in the audience; content withheld)")
      }
      for operation in change.operations { print("    \(operation)") }
    }
  }
}

struct VerifyCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Re-verify every change, the database file and every evidence file this node holds.",
    discussion: """
      Exits 0 when the database is sound, every stored change verifies and every evidence file \
      matches its SHA-256; 1 otherwise, naming each failure. An evidence file found altered or \
      missing is set aside under blobs/damaged/, recorded "damaged" in its chain of custody, \
      and fetched again from a peer that holds it at the next sync. Operations that were \
      refused (kept in the log with no effect, such as an edit by a node that does not own the \
      lead) and detected forks are listed too; they are facts of the log, not damage. So are \
      withheld changes: signed before the CA revoked their certificate, but held by no other \
      node before then as far as its checkpoints show (a stolen key's backdated changes look \
      like this), which have no effect unless such a checkpoint arrives; or stamped ahead of \
      this node's clock, which count once the clock reaches them or their origin signs a clock \
      correction.
      """)
  @OptionGroup var options: NodeOptions
  @Flag(help: "Run SQLite's quick check and read no evidence file (minutes faster on a large node).")
  var quick = false

  func execute() throws {
    var pacing = options.json ? ProgressPacing(enabled: false) : ProgressPacing()
    let app = try options.openApp()
    let report = try app.verify(quick: quick) { read, total in
      guard pacing.due() else { return }
      FileHandle.standardError.write(
        Data("\r  evidence files: \(read >> 20) of \(total >> 20) MiB read".utf8))
    }
    if pacing.hasShown { FileHandle.standardError.write(Data("\n".utf8)) }
    if options.json {
      try Output.json(report)
    } else {
      for problem in report.databaseProblems {
        print("DATABASE DAMAGED: \(problem)")
      }
      if !report.databaseProblems.isEmpty {
        print(
          "the database file fails SQLite's integrity check: restore the last good backup ('liandong restore'), or start a new node and sync it from its peers"
        )
        throw ExitCode(1)
      }
      print(
        "checked \(report.changesChecked) changes (\(report.stubs) stubs): \(report.failures.count) failure(s)"
      )
      if let files = report.filesChecked {
        print("checked \(files) evidence file(s) against their \(app.home.blobs.digest.displayName)")
      } else {
        print("evidence files not read (--quick)")
      }
      for file in report.damagedFiles {
        print(
          "DAMAGED file \(file.sha256.prefix(16)) (found \(file.foundAt)): \(file.finding); set aside, to be fetched again from a peer at the next sync"
        )
      }
      for failure in report.failures {
        print(
          "FAIL \(failure.origin)#\(failure.sequence) \(failure.change.prefix(12)) [\(failure.code)] \(failure.message)"
        )
      }
      for refusal in report.refusedOperations {
        print(
          "refused operation \(refusal.change.prefix(12))/\(refusal.index) by \(refusal.origin) on \(refusal.objectID): [\(refusal.code)] \(refusal.reason)"
        )
      }
      for fork in report.forks {
        print(
          "fork: \(fork.origin) signed two changes with sequence \(fork.sequence): \(fork.heldChange.prefix(12)) and \(fork.otherChange.prefix(12))"
            + "; " + ForkList.standing(fork)
        )
      }
      if !report.quarantined.isEmpty {
        print("quarantined origins: \(report.quarantined.joined(separator: ", "))")
      }
      for change in report.withheld {
        print(
          "withheld \(change.origin)#\(change.sequence) \(change.id.prefix(12)), no effect: \(change.reason)"
            + (change.countsFrom.map { " (from \($0) at the latest)" } ?? ""))
      }
    }
    if !report.ok { throw ExitCode(1) }
  }
}

struct RebuildCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "rebuild",
    abstract: "Drop every projection and replay the log; the projection digest must not change.")
  @OptionGroup var options: NodeOptions

  struct Result: Encodable {
    var before: String
    var after: String
    var identical: Bool
  }

  func execute() throws {
    let (before, after) = try options.openApp().rebuild()
    let result = Result(before: before, after: after, identical: before == after)
    if options.json {
      try Output.json(result)
    } else {
      print("projection digest before \(before)")
      print("projection digest after  \(after)")
      print(
        result.identical
          ? "identical: the projections were already exactly what the log says"
          : "DIFFERENT: the projections had drifted from the log and are now repaired")
    }
  }
}

struct StatusCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Summarise the node: changes per origin, objects, forks, digests.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let status = try options.openApp().status()
    if options.json { return try Output.json(status) }
    print("node \(status.node)")
    print("changes \(status.changes) (\(status.stubs) stubs)")
    for (origin, top) in status.versionVector.sorted(by: { $0.key < $1.key }) {
      print("  \(origin) through #\(top)")
    }
    print(
      "subjects \(status.subjects), leads \(status.leads), refused operations \(status.refusedOperations)")
    for fork in status.forks {
      print(
        "FORK \(fork.origin)#\(fork.sequence): \(fork.heldChange.prefix(12)) vs \(fork.otherChange.prefix(12)), detected \(fork.detectedAt)"
          + ", " + ForkList.standing(fork)
      )
    }
    if !status.quarantined.isEmpty { print("quarantined: \(status.quarantined.joined(separator: ", "))") }
    for change in status.superseded {
      print(
        "superseded by a fork decision: \(change.origin)#\(change.sequence) \(change.id.prefix(12)), kept as evidence since \(change.supersededAt)"
      )
    }
    print("projection digest \(status.projectionDigest)")
    print("change-set digest \(status.changeSetDigest) (IDs, stub or body)")
    print("held-changes digest \(status.heldChangesDigest) (IDs only: equal on nodes that have caught up)")
  }
}
