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
    abstract: "Check a new CRL from the federation CA and install it; a running serve picks it up on SIGHUP.",
    discussion: """
      The CRL must be signed by the node's CA, be no older than the one installed, and not revoke \
      this node's own certificate. Then: 'systemctl reload liandong' (or kill -HUP the serve process). \
      It says how many changes it withholds: signed by a certificate it revokes, at a time before \
      the revocation that no other node's checkpoint confirms ('liandong verify' lists them).
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The CRL (PEM), as the CA published it.") var file: String

  func execute() throws {
    let pem: Data
    do { pem = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
      throw UsageError(code: "crl.unreadable", message: "cannot read \(file): \(SystemError.reason(error))")
    }
    let (installed, newest, withheld) = try options.openApp().installRevocationList(pem, fileName: file)
    if options.json {
      /// What `--json` prints: the path installed, the CRL's issue time, and how many changes
      /// it withholds (a number).
      struct Installed: Encodable {
        var installed: String
        var issued: String
        var withheld: Int
      }
      return try Output.json(Installed(installed: installed.path, issued: newest.iso8601, withheld: withheld))
    }
    print(
      "installed the CRL issued \(newest.iso8601); reload a running node: systemctl reload liandong (or kill -HUP)"
    )
    if withheld > 0 {
      print(
        "\(withheld) change(s) withheld: signed by a certificate it revokes, with no other node's checkpoint from before the revocation ('liandong verify' lists them)"
      )
    }
  }
}
