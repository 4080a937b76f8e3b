import Foundation
import LiandongCore
import LiandongErrors
import LiandongNode
import LiandongStore

/// The node's views for the front ends. They read; none of them signs anything.
extension NodeApp {
  /// The campaign statistics table (市监检测发〔2021〕54号) for days in China, both included.
  /// It reads only the leads and requests this node touched on those days: every one the
  /// table could count.
  public func campaignReport(from first: CivilDate, to last: CivilDate) throws -> CampaignReport {
    try checkDays(from: first, to: last)
    return CampaignReport.compute(
      node: node.rawValue, leads: try store.leads(touchedBy: node.rawValue, on: first...last),
      requests: try store.requests(madeOf: node.rawValue, changedOn: first...last), from: first, to: last)
  }

  /// The days a report asks for, as the console's and the API's forms give them: `to` by default
  /// today in China, `from` by default the first of `to`'s month.
  public func reportDays(from: String?, to: String?, now: Date = Date()) throws -> (CivilDate, CivilDate) {
    let last = try to.map { try CivilDate($0) } ?? CivilDate(chinaDayOf: now.unixMillis)
    let first = try from.map { try CivilDate($0) } ?? CivilDate(year: last.year, month: last.month, day: 1)
    return (first, last)
  }

  /// Early-warning alerts this node sees, and how many regions cannot see its lead on a subject
  /// ('liandong alerts notify' warns them).
  public func alerts() throws -> (alerts: [Alert], regionsToWarn: Int) {
    let warnings = try store.warnings()
    let alerts = try alerts(warnings: warnings)
    return (alerts, EarlyWarning.warningsToSend(alerts, from: node.rawValue, sent: warnings).count)
  }

  /// The alerts `warnings` and the leads they can pair give (`ReadModels.leadsForAlerts`): the
  /// same as from every lead, at the cost of the leads on subjects two regions share.
  func alerts(warnings: [WarningView]) throws -> [Alert] {
    let named = warnings.flatMap { [$0.lead, $0.otherLead] }
    return EarlyWarning.alerts(
      among: try store.leadsForAlerts(alsoNaming: named), warnings: warnings, node: node.rawValue)
  }

  /// The certificate this node signs with, and every one it announced.
  public func certificates() throws -> [AnnouncedCertificateView] {
    try store.announcedCertificates(of: node, current: home.chain[0].fingerprint)
  }

  /// Changes per origin, objects, forks and the three digests.
  public func status() throws -> StatusView { try store.status() }
}

/// The peers this node syncs with.
extension NodeApp {
  /// Adds a peer, or changes its address; a node is never its own peer.
  public func addPeer(_ peer: NodeID, address: String) throws {
    _ = try PeerAddress.parse(address)
    guard peer != node else {
      throw UsageError(code: "usage.self-peer", message: "\(peer) is this node; add the other regions' nodes")
    }
    try store.addPeer(peer, address: address)
  }

  public func removePeer(_ peer: NodeID) throws {
    guard try store.removePeer(peer) else { throw StoreError.notFound(kind: "peer", id: peer.rawValue) }
  }

  public func peers() throws -> [PeerView] { try store.peers() }

  /// Per node, the changes it refused in sync sessions and has not accepted since, counted by
  /// code: what an operator looks into first when a peer lags.
  public func refusalsByPeers() throws -> [String: [String: Int]] { try store.refusalsByPeers() }

  /// The peers a sync is for: those named (each must have been added), or all of them.
  public func peersToSync(named names: [String], all: Bool) throws -> [PeerView] {
    guard all != !names.isEmpty else {
      throw UsageError(code: "usage.peers", message: "name the peers to sync with, or pass --all (not both)")
    }
    let known = try store.peers()
    let chosen =
      all
      ? known
      : try names.map { name in
        let id = try NodeID(name)
        guard let peer = known.first(where: { $0.node == id.rawValue }) else {
          throw UsageError(
            code: "usage.unknown-peer",
            message: "\(id) is not a peer; add it with 'liandong peer add \(id) HOST:PORT'")
        }
        return peer
      }
    guard !chosen.isEmpty else {
      throw UsageError(
        code: "usage.no-peers", message: "no peers configured; add one with 'liandong peer add ID HOST:PORT'")
    }
    return chosen
  }
}
