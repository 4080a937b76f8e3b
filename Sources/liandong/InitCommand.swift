import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct InitCommand: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create a node in an empty data folder from a certificate the federation CA issued.",
    discussion: """
      The certificate must chain to --ca, carry the SAN URI urn:liandong:node:<ID> for --node, \
      and match --key; with --crl it must not be revoked. Nothing is written unless all of that \
      holds. The node's first change announces its certificate to the federation.

      Example:
        liandong init --data /var/lib/liandong --node yrd \\
          --ca ca.pem --cert yrd.pem --key yrd.key --crl crl.pem
      """)

  @OptionGroup var options: NodeOptions
  @Option(help: "This node's ID (2-32 characters a-z, 0-9, '-'), as its certificate names it.") var node:
    String
  @Option(help: ArgumentHelp("The federation CA certificate (PEM).", valueName: "file")) var ca: String
  @Option(help: ArgumentHelp("This node's certificate chain, leaf first (PEM).", valueName: "file")) var cert:
    String
  @Option(
    help: ArgumentHelp(
      "This node's private key (PEM, unencrypted; copied with mode 0600).", valueName: "file"))
  var key: String
  @Option(help: ArgumentHelp("The CA's certificate revocation list (PEM).", valueName: "file")) var crl:
    String?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let nodeID = try NodeID(node)
    try NodeHome.refuseIfInitialised(try options.directory())
    func read(_ path: String, _ what: String) throws -> Data {
      do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw UsageError(
          code: "input.file",
          message: "cannot read the \(what) file \(path): \(SystemError.reason(error))")
      }
    }
    let (_, result) = try NodeApp.initialize(
      try options.directory(), node: nodeID, caPEM: try read(ca, "CA"),
      certificatePEM: try read(cert, "certificate"),
      keyPEM: try read(key, "key"), crlPEM: try crl.map { try read($0, "CRL") },
      by: Officer(officer.resolved))
    if options.json {
      try Output.json(result)
    } else {
      print("initialised node \(result.node) in \(result.data)")
      print(
        "  certificate SHA-256 \(result.certificateFingerprint), valid until \(result.certificateNotAfter)")
      print("  first change \(result.firstChange) announces it to the federation")
    }
  }
}
