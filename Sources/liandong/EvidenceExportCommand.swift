import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct EvidenceExport: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write an evidence bundle that a court or police office verifies with openssl alone.",
    discussion: """
      The bundle holds the files, their chain of custody as signed changes, the certificates up to \
      the federation CA, a manifest of SHA-256 sums signed by this node, and VERIFY.txt with the \
      exact openssl commands (also as verify.sh). With them, the proofs that other regions held \
      each change, and since when: their signed checkpoints (receipts.txt), checked by verify.sh \
      too. ITEM is a lead, request or case (all its evidence) or one evidence item. Every file must \
      be held on this node.

      Example:
        liandong evidence export 3f2b8c1e-... --out /media/usb/bundle-2026-17
        sh /media/usb/bundle-2026-17/verify.sh
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The lead, request or case, or one evidence item.") var item: String
  @Option(help: ArgumentHelp("A new (or empty) folder for the bundle.", valueName: "dir")) var out: String

  func execute() throws {
    let summary = try options.openApp().exportEvidence(
      of: try options.objectID(item), to: URL(fileURLWithPath: out))
    if options.json { return try Output.json(summary) }
    print(summary.directory)
    Output.error(
      "wrote \(summary.files) file(s) and \(summary.changes) signed change(s) from \(summary.signers.joined(separator: ", ")), "
        + "with \(summary.receipts) proof(s) that another region held them (receipts.txt); "
        + "verify with: sh \(summary.directory)/verify.sh")
  }
}
