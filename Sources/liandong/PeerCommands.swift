import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongNode
import LiandongStore

struct PeerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "peer",
    abstract: "The peers this node syncs with (dialled by 'liandong serve' and 'liandong sync --all').",
    subcommands: [PeerAdd.self, PeerList.self, PeerRemove.self])
}

struct PeerAdd: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "add", abstract: "Add a peer, or change its address.",
    discussion:
      """
      The peer must present a certificate naming ID.

      Example:
        liandong peer add yrd 10.31.0.5:7420
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The peer's node ID, as its certificate names it.") var id: String
  @Argument(help: "Where it listens: HOST:PORT.") var address: String

  func execute() throws {
    let node = try NodeID(id)
    try options.openApp().addPeer(node, address: address)
    if options.json { return try Output.json(["node": node.rawValue, "address": address]) }
    print("peer \(node) at \(address)")
  }
}

struct PeerList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List peers and their last sync.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let peers = try options.openApp().peers()
    if options.json { return try Output.json(peers) }
    guard !peers.isEmpty else { return print("no peers; add one with 'liandong peer add ID HOST:PORT'") }
    Output.table(
      ["PEER", "ADDRESS", "LAST SUCCESS", "LAST ERROR"],
      peers.map { [$0.node, $0.address, $0.lastSuccess ?? "never", $0.lastError ?? "-"] })
  }
}

struct PeerRemove: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove", abstract: "Stop syncing with a peer.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The peer's node ID.") var id: String

  func execute() throws {
    let node = try NodeID(id)
    try options.openApp().removePeer(node)
    if options.json { return try Output.json(["removed": node.rawValue]) }
    print("removed peer \(node)")
  }
}
