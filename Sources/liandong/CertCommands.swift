import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

struct CertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cert", abstract: "This node's certificate: show it, and rotate it before it expires.",
    subcommands: [CertShow.self, CertRotate.self])
}

struct CertShow: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "The certificate this node signs and connects with, and every one it announced before.",
    discussion: """
      The serial numbers are what the CA needs to revoke a retired certificate. 'days left' counts \
      to the end of the current certificate's validity; rotate well before it reaches zero.
      """)
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let app = try options.openApp()
    let home = app.home
    let leaf = home.chain[0]
    let certificates = try app.certificates()
    let daysLeft = Int(leaf.notAfter.timeIntervalSinceNow / 86_400)
    if options.json {
      struct Shown: Encodable {
        var node: String
        var fingerprint: String
        var serial: String
        var notAfter: String
        var daysLeft: Int
        var announced: [AnnouncedCertificateView]
      }
      return try Output.json(
        Shown(
          node: home.node.rawValue, fingerprint: leaf.fingerprint.hex, serial: leaf.serialHex,
          notAfter: leaf.notAfter.iso8601, daysLeft: daysLeft, announced: certificates))
    }
    print("node \(home.node): \(leaf.subjectName), serial \(leaf.serialHex)")
    print("  fingerprint \(leaf.fingerprint.hex)")
    print("  valid until \(leaf.notAfter.iso8601) (\(daysLeft) days left)")
    print("announced by this node:")
    for certificate in certificates {
      print(
        "  \(certificate.inUse ? "*" : " ") serial \(certificate.serial)  \(certificate.notBefore) to \(certificate.notAfter)  "
          + "fingerprint \(certificate.fingerprint.prefix(16))...  in change \(certificate.announcedIn.prefix(12))"
      )
    }
  }
}

struct CertRotate: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "rotate",
    abstract: "Replace this node's certificate and key with a new pair from the federation CA.",
    discussion: """
      The new certificate must chain to the node's CA, be valid now, name this node in its SAN, and \
      match the key. It is announced to every node by a change signed with the current key, and \
      then replaces node.pem and node.key. Changes signed before keep verifying, even once the CA \
      revokes the old certificate. Safe to run again if it was interrupted.

      Afterwards: reload a running node (systemctl reload liandong, or kill -HUP), sync so that \
      peers learn the new certificate, then ask the CA to revoke the old serial ('liandong cert \
      show' lists it) and install the new CRL on every node.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var officer: OfficerOption
  @Option(
    help: ArgumentHelp("The new certificate (PEM, leaf first, with any intermediates).", valueName: "file"))
  var cert: String
  @Option(help: ArgumentHelp("The new certificate's private key (PEM).", valueName: "file"))
  var key: String

  func execute() throws {
    let rotation = try options.openApp().rotateCertificate(
      certificatePEM: try readInput(cert, what: "certificate"), keyPEM: try readInput(key, what: "key"),
      by: officer.person)
    if options.json { return try Output.json(rotation) }
    if rotation.alreadyInUse {
      print("the node already uses this certificate (serial \(rotation.serial)); nothing to do")
      return
    }
    if let change = rotation.announcedIn {
      print("announced the new certificate in change \(change.prefix(12)), signed with the previous key")
    } else {
      print(
        "the new certificate was already announced (an earlier run was interrupted); finished installing it")
    }
    print("now signing with serial \(rotation.serial), valid until \(rotation.notAfter)")
    print(
      "next: reload a running node (systemctl reload liandong), sync, then have the CA revoke the old certificate"
    )
  }

  private func readInput(_ path: String, what: String) throws -> Data {
    do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw UsageError(
        code: "cert.unreadable", message: "cannot read the \(what) \(path): \(SystemError.reason(error))")
    }
  }
}
