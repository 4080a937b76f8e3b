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

      In a federation on the national algorithms (an SM2 CA), --cert is the node's SM2 signing \
      certificate, and --tls-cert and --tls-key give the P-256 certificate it opens TLS \
      connections with (OpenSSL 3.0 has no SM2 in TLS): liandong-pki issues both.

      A provincial or national hub keeps its log in PostgreSQL instead of the SQLite file in the \
      data folder: --store names the database (UTF-8 and empty; the node's role owns it or may \
      create in its schema), and its password goes in the node user's ~/.pgpass rather than in \
      the URL. A second serve process of the same hub runs from a copy of this data folder \
      (Deploy/README.md, section 11).

      Example:
        liandong init --data /var/lib/liandong --node yrd \\
          --ca ca.pem --cert yrd.pem --key yrd.key --crl crl.pem
        liandong init --data /var/lib/liandong --node gd-hub \\
          --ca ca.pem --cert gd-hub.pem --key gd-hub.key --crl crl.pem \\
          --store postgresql://liandong@127.0.0.1:5000/hub
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
  @Option(
    help: ArgumentHelp(
      "SM2 federations only: this node's TLS certificate chain (P-256, PEM), e.g. yrd.tls.pem.",
      valueName: "file"))
  var tlsCert: String?
  @Option(
    help: ArgumentHelp("SM2 federations only: the TLS certificate's private key (PEM).", valueName: "file"))
  var tlsKey: String?
  @Option(
    help: ArgumentHelp(
      "A hub's PostgreSQL database for the log, instead of the SQLite file in the data folder.",
      valueName: "postgresql://user@host:port/database"))
  var store: String?
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
    guard (tlsCert == nil) == (tlsKey == nil) else {
      throw UsageError(
        code: "init.tls-certificate", message: "--tls-cert and --tls-key go together: pass both, or neither")
    }
    let transport = try tlsCert.map { certificate in
      (certificatePEM: try read(certificate, "TLS certificate"), keyPEM: try read(tlsKey ?? "", "TLS key"))
    }
    let (_, result) = try NodeApp.initialize(
      try options.directory(), node: nodeID, caPEM: try read(ca, "CA"),
      certificatePEM: try read(cert, "certificate"),
      keyPEM: try read(key, "key"), crlPEM: try crl.map { try read($0, "CRL") }, transport: transport,
      store: store, by: Officer(officer.resolved))
    if options.json {
      try Output.json(result)
    } else {
      print("initialised node \(result.node) in \(result.data)")
      print(
        "  certificate \(result.fingerprintAlgorithm) \(result.certificateFingerprint), valid until \(result.certificateNotAfter)"
      )
      print("  first change \(result.firstChange) announces it to the federation")
      if store != nil { print("  its log is kept in \(result.store)") }
    }
  }
}
