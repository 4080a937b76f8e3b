import ArgumentParser
import Foundation
import LiandongApp
import LiandongStore

struct BackupCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Write a backup of this node (database, identity, evidence files) to one file, while it runs.",
    discussion: """
      The database is copied with SQLite's online backup, so 'liandong serve' may keep running. \
      The file holds node.key, so it is created with mode 0600 (readable by its owner alone): \
      keep it as safe as the node itself. A database that fails SQLite's integrity check is \
      refused (no backup is written). Every evidence file is read and checked against its \
      SHA-256: a file found altered or missing is left out, recorded damaged (on the node and \
      in the backup) and fetched again from a peer at the next sync; the backup is written \
      with everything else, and each damaged file is named.
      """)
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("The backup file to write (a tar file; must not exist).", valueName: "file"))
  var out: String

  func execute() throws {
    let summary = try options.openApp().backUp(to: URL(fileURLWithPath: out))
    if options.json { return try Output.json(summary) }
    print(summary.file)
    Output.error(
      "backed up \(summary.node): \(summary.changes) changes, \(summary.blobs) evidence files, \(summary.bytes) bytes; "
        + "mode 0600, as it holds the node's private key")
    for file in summary.damaged {
      Output.error(
        "warning: evidence file \(file.sha256.prefix(16)) is damaged (\(file.finding)) and is not in the backup; "
          + "it is fetched again from a peer at the next sync")
    }
  }
}

struct RestoreCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Restore a backup into a new data folder, checking every file and the database.",
    discussion: """
      The node may have signed changes after the backup was taken, which its peers hold. So a \
      restored node refuses to write until 'liandong sync' has run with a peer: writing before \
      that would fork its own chain, and peers would quarantine it.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The backup file.") var file: String

  func execute() throws {
    let summary = try NodeApp.restore(URL(fileURLWithPath: file), into: try options.directory())
    if options.json { return try Output.json(summary) }
    print("restored \(summary.node): \(summary.changes) changes, \(summary.blobs) evidence files")
    Output.error("next: 'liandong sync --all' to catch up with what the node signed after the backup")
  }
}
