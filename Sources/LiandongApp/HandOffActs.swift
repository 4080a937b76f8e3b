import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore

/// What a person asks of a case's hand-off (案件移送). The use case adds what the signed act
/// must carry: the case as this node sees it, the manifest that gives a superior its authority,
/// the last act this node had seen.
public enum HandOffRequest: Sendable {
  case offer(to: NodeID, letter: String, evidence: [ObjectID])
  case accept
  case object(reason: String)
  case withdraw(reason: String)
  case claim(reason: String)
  case designate(to: NodeID, reason: String)
  case resolve(keep: OperationRef)
}

extension HandOffRequest {
  /// What the caller's role must allow: accepting a case offered, or objecting to it, is the
  /// receiving bureau's decision, which the rules reserve to its leader (DOMAIN.md).
  public var permission: Permission {
    switch self {
    case .accept, .object: .approveAsLeader
    default: .actOnCases
    }
  }
}

/// What `handoff share` sent to the case's new owner.
public struct CaseShared: Codable, Sendable {
  public var id: String
  public var sharedWith: String
  public var historyEntries: Int
  public var evidence: [String]
}

extension NodeApp {
  /// The cases this node offered or was offered, newest first.
  public func handOffs() throws -> [LeadView] {
    let me = node.rawValue
    return try views.leads().filter { lead in
      lead.handOff.map { $0.from == me || $0.to == me } ?? false
    }.sorted { $0.created > $1.created }
  }

  /// Signs a hand-off act on the case (`lead`), shared with everyone who may see the case, both
  /// bureaus of the hand-off or dispute, and, for an objection or a claim, the superiors who
  /// settle it. A notice says when no manifest names such a superior.
  public func handOff(_ id: ObjectID, _ request: HandOffRequest, by officer: Officer, now: Date = Date())
    throws
    -> ActResult<LeadView>
  {
    let before = try lead(id, as: "case (lead)")
    let step = try handOffAct(request, on: before)
    var superiors = Set<NodeID>()
    var notices: [String] = []
    switch step {
    case .object, .claim:
      let disputants = [try NodeID(before.owner), node]
      superiors = Set(try store.currentManifest()?.view.manifest.superiors(ofAll: disputants) ?? [])
      if superiors.isEmpty {
        notices.append(
          "no federation manifest names a superior of \(disputants.map(\.rawValue).joined(separator: " and ")); "
            + "none will see this until one is installed and the act repeated")
      }
    default: break
    }
    // Acts that answer the hand-off name the last act this node had seen, so that one made at
    // once by the other party, that cannot stand beside it, is a conflict rather than lost.
    let basis = step.answersBasis ? try before.handOffHead.map(OperationRef.init) : nil
    let result = try act(
      step.name, [DomainOperation(objectID: id, action: .handOff(step, basis: basis))],
      audience: try ActAudience.onHandOff(before, step, by: node, superiors: superiors), by: officer, now: now
    ) { try self.lead(id) }
    return result.adding(notices)
  }

  /// The signed act for `request`, checked against the case as this node sees it.
  private func handOffAct(_ request: HandOffRequest, on lead: LeadView) throws -> HandOffAct {
    switch request {
    case .offer(let to, let letter, let evidence):
      guard lead.owner == node.rawValue else {
        throw UsageError(
          code: "op.not-owner",
          message: "case \(lead.id) is owned by \(lead.owner); only its owner may offer it")
      }
      return .offer(
        to: try recipient(to, of: "a hand-off"), letter: letter, evidenceIDs: evidence,
        origin: try NodeID(lead.origin),
        snapshot: try lead.fields())
    case .accept: return .accept
    case .object(let reason): return .object(reason: reason, snapshot: try lead.caseSnapshot())
    case .withdraw(let reason): return .withdraw(reason: reason)
    case .claim(let reason): return .claim(reason: reason, snapshot: try lead.caseSnapshot())
    case .designate(let to, let reason):
      guard let current = try store.currentManifest() else {
        throw UsageError(
          code: "handoff.no-manifest",
          message:
            "no federation manifest is installed, so no node is a superior; 'liandong federation install' first"
        )
      }
      return .designate(to: try recipient(to, of: "a designation"), reason: reason, manifest: current.signed)
    case .resolve(let keep): return .resolve(keep: keep)
    }
  }

  /// Once the new owner holds a case this node handed off: the case's history and the evidence
  /// held here (or the items named), to the owner alone (Art. 23 lets it use the evidence).
  public func shareHandedOffCase(
    _ id: ObjectID, evidence named: [ObjectID], by officer: Officer, now: Date = Date()
  )
    throws -> ActResult<CaseShared>
  {
    let view = try lead(id, as: "case (lead)")
    guard let handOff = view.handOff, [.accepted, .designated].contains(handOff.state),
      handOff.from == node.rawValue
    else {
      let state = view.handOff.map { "\($0.from) to \($0.to), \($0.state)" } ?? "none"
      throw UsageError(
        code: "handoff.nothing-to-share",
        message:
          "case \(view.id) was not handed off by this node to an owner that holds it (hand-off: \(state)); share evidence with 'liandong evidence share' instead"
      )
    }
    let owner = try NodeID(view.owner)
    let history = try store.history(of: id).filter { $0.sharedBy == nil }.map { entry in
      SharedHistoryEntry(
        time: entry.time, node: entry.node, officer: entry.officer,
        what: entry.refused.map { "\(entry.what) [refused: \($0)]" } ?? entry.what, operation: entry.operation
      )
    }
    let items: [ObjectID]
    if named.isEmpty {
      // The offer's list may name items this node never held (another bureau's): only what is
      // held here can be shared from here.
      let listed = try handOff.evidence.filter { try store.evidence(id: $0) != nil }
      items = try Set(try store.evidence(item: view.id).map(\.id) + listed).sorted().map { try ObjectID($0) }
    } else {
      items = named
    }
    var operations = [DomainOperation(objectID: id, action: .handOff(.shareHistory(history), basis: nil))]
    for item in items {
      operations += try shareOperations(
        for: item, to: [owner], note: "case \(view.id) handed off to \(owner)")
    }
    return try act("share", operations, audience: .nodes([owner]), by: officer, now: now) {
      CaseShared(
        id: view.id, sharedWith: owner.rawValue, historyEntries: history.count,
        evidence: items.map(\.description))
    }
  }
}

extension LeadView {
  /// The case as this node sees it, carried by an objection or a claim to superiors outside the
  /// lead's audience.
  func caseSnapshot() throws -> CaseSnapshot {
    CaseSnapshot(origin: try NodeID(origin), owner: try NodeID(owner), fields: try fields())
  }

  /// The lead's fields as a change carries them.
  func fields() throws -> LeadFields {
    LeadFields(
      source: source, violations: violations, subjectIDs: try subjects.map { try ObjectID($0.id) },
      productCategory: productCategory, summary: summary, risk: risk, sourceReliability: sourceReliability,
      informationReliability: informationReliability, reporterRealName: reporterRealName)
  }
}
