import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct FederationCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "federation",
    abstract: "The federation manifest: members, sharing groups and superiors, signed by the CA.",
    discussion: """
      The federation CA signs a manifest (Deploy/pki/liandong-pki manifest); any node installs it \
      and sync carries it to every other node. The highest version wins. Sharing groups resolve \
      '--to group:NAME'; superiors may designate jurisdiction ('liandong handoff designate').
      """,
    subcommands: [FederationInstall.self, FederationShow.self])
}

struct FederationInstall: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract: "Check a manifest signed by the federation CA and publish it to every node.",
    discussion: """
      The signature must verify with the CA's key, and the version must be higher than the one in \
      force. The manifest travels in a change with audience 'all'.
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var officer: OfficerOption
  @Argument(help: "The manifest document (JSON), exactly as the CA signed it.") var file: String
  @Option(help: ArgumentHelp("The CA's signature over it (DER).", valueName: "file")) var signature: String

  func execute() throws {
    let signed = SignedManifest(document: try read(file), signature: try read(signature))
    let result = try options.openApp().installManifest(signed, fileName: file, by: officer.person)
    let manifest = result.view
    if options.json {
      return try Output.json(["version": "\(manifest.version)", "change": result.change.id.hex])
    }
    print(
      "published federation manifest '\(manifest.federation)' version \(manifest.version) in change \(result.change.id.short); sync carries it to every node"
    )
  }

  private func read(_ path: String) throws -> Data {
    do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw UsageError(
        code: "manifest.unreadable", message: "cannot read \(path): \(SystemError.reason(error))")
    }
  }
}

struct FederationShow: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "The federation manifest in force on this node.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let app = try options.openApp()
    guard let current = try app.views.currentManifest()?.view else {
      if options.json { return try Output.json(["manifest": String?.none]) }
      print("no federation manifest: '--to' takes node IDs and 'all'; nobody is a superior")
      return
    }
    if options.json { return try Output.json(current) }
    let manifest = current.manifest
    print(
      "federation '\(manifest.federation)', manifest version \(manifest.version) (\(app.hashName) \(current.sha256.prefix(16))...)"
    )
    print(
      "members: \(manifest.members?.joined(separator: ", ") ?? "any node with a certificate from the CA")")
    for (name, nodes) in manifest.groups.sorted(by: { $0.key < $1.key }) {
      print("group \(name): \(nodes.joined(separator: ", "))")
    }
    for (superior, nodes) in manifest.superiors.sorted(by: { $0.key < $1.key }) {
      print("superior \(superior) over: \(nodes.joined(separator: ", "))")
    }
  }
}
