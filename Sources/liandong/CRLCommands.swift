import ArgumentParser
import Foundation
import LiandongApp
import LiandongCrypto
import LiandongErrors
import LiandongStore

struct CRLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "crl", abstract: "The federation CA's revocation list.", subcommands: [CRLInstall.self])
}

struct CRLInstall: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract: "Check a new CRL from the federation CA, install it, and relay it to every node.",
    discussion: """
      The CRL must be signed by the node's CA, be no older than the one in force (CRL number, then \
      issue time), and not revoke this node's own certificate. It travels to every node by sync, \
      and each puts it in force after the session that brings it: install it on one node. A running \
      serve here picks it up after its next sync, or at once with 'systemctl reload liandong' (or \
      kill -HUP).

      It names the certificates it revokes and the changes it withholds: signed by a revoked \
      certificate, at a time before the revocation that no other node's checkpoint confirms \
      ('liandong verify' lists them). --dry-run shows exactly that and changes nothing.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var officer: OfficerOption
  @Flag(help: "Show what installing would revoke and withhold here; install nothing.") var dryRun = false
  @Argument(help: "The CRL (PEM), as the CA published it.") var file: String

  func execute() throws {
    let pem: Data
    do { pem = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
      throw UsageError(code: "crl.unreadable", message: "cannot read \(file): \(SystemError.reason(error))")
    }
    let result = try options.openApp().installRevocationList(
      pem, fileName: file, dryRun: dryRun, by: officer.person)
    if options.json { return try Output.json(result.shown) }
    print(dryRun ? "would install \(result.rank) (nothing installed: --dry-run)" : "installed \(result.rank)")
    for revoked in result.effect.revoked {
      print("  revokes \(revoked.node)'s certificate \(revoked.serial) from \(revoked.revokedAt)")
    }
    if result.effect.withheld.isEmpty {
      print("  withholds no change held here")
    } else {
      print(
        "  \(dryRun ? "would withhold" : "withholds") \(result.effect.withheld.count) change(s): signed by a revoked certificate, with no other node's checkpoint from before the revocation"
      )
      for change in result.effect.withheld.prefix(20) {
        print("    \(change.origin)#\(change.sequence) \(change.id.prefix(12))")
      }
      if result.effect.withheld.count > 20 {
        print("    ... and \(result.effect.withheld.count - 20) more ('liandong verify' lists them all)")
      }
    }
    if dryRun { return }
    if let change = result.relayedIn {
      print("relayed to every node by change \(change.prefix(12)): each puts it in force after its next sync")
    } else if let reason = result.notRelayed {
      print("not relayed (\(reason)): install it on another node of the federation too")
    }
    print("reload a running node now: systemctl reload liandong (or kill -HUP)")
  }
}
