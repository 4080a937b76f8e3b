import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// One act by `node`, chosen at random and often not allowed: a lead, an edit, an assistance
/// request or an act on one, a hand-off act, a lead act, evidence, a share or a custody event.
/// The reducers must refuse, apply or raise a conflict the same way on every node; this is the
/// workload of the convergence test and of the deterministic simulation.
func actRandomly(_ node: SimulatedNode, among nodes: [SimulatedNode], using random: inout SeededGenerator)
  throws
{
  let count = nodes.count
  let index = nodes.firstIndex { $0 === node }!
  switch Int.random(in: 0..<12, using: &random) {
  case 0..<4:
    let audience: Audience =
      switch Int.random(in: 0..<3, using: &random) {
      case 0: .all
      case 1: .originOnly
      default: .nodes(Set(nodes.filter { _ in Bool.random(using: &random) }.map(\.id)))
      }
    try node.addLead(summary: "lead by \(node.id) at \(node.clockMillis)", audience: audience)
  case 4..<7:
    // Edit a lead this node can see: the owner's edits apply, others' are refused.
    let visible = try node.store.leads()
    guard let target = visible.randomElement(using: &random) else { return }
    var patch = LeadPatch()
    patch.summary = "edit \(Int.random(in: 0...999, using: &random)) by \(node.id)"
    patch.risk = RiskLevel.allCases.randomElement(using: &random)
    try node.record(
      [DomainOperation(objectID: try ObjectID(target.id), action: .updateLead(patch))],
      audience: try ActAudience.on(target, by: node.id))
  case 7:
    // An assistance request to another node.
    let peer = nodes[(index + Int.random(in: 1..<count, using: &random)) % count]
    try node.sendRequest(to: peer.id)
  case 8:
    // Any act on a request this node can see, right or wrong, often concurrent with the
    // other party's: the reducers refuse, apply or raise a conflict, the same everywhere.
    guard let target = try node.store.requests().randomElement(using: &random) else { return }
    let acts: [RequestAct] = [
      .acknowledge, .accept, .extend(workingDays: 5, reason: "slow"),
      .complete(findings: "f", evidenceIDs: []),
      .completePartly(findings: "p", evidenceIDs: []), .decline(reason: "d"), .cancel(reason: "c"),
      .close,
    ]
    var act = acts.randomElement(using: &random)!
    if let conflict = target.conflict, Bool.random(using: &random),
      let first = conflict.split(separator: "@").dropFirst().first?.split(separator: " ").first
    {
      act = .resolve(keep: try OperationRef(String(first)))
    }
    try node.act(act, on: try ObjectID(target.id))
  case 9:
    // A hand-off act on a visible case, by the right bureau or not.
    guard let target = try node.store.leads().randomElement(using: &random) else { return }
    let other = nodes.randomElement(using: &random)!
    let snapshot = CaseSnapshot(
      origin: try NodeID(target.origin), owner: try NodeID(target.owner),
      fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: target.summary))
    var acts: [HandOffAct] = [
      try node.offer(try ObjectID(target.id), to: other.id), .accept,
      .object(reason: "o", snapshot: snapshot),
      .withdraw(reason: "w"), .claim(reason: "ours", snapshot: snapshot),
      .designate(to: other.id, reason: "d", manifest: try node.federation.manifest),
      .shareHistory([
        SharedHistoryEntry(
          time: "2026-11-20T00:00:00Z", node: "n0", officer: "o", what: "w", operation: "x:0")
      ]),
    ]
    // Either act of a hand-off conflict, kept by whoever tries.
    if let conflict = try conflicts(node, target.id).randomElement(using: &random) {
      acts.append(.resolve(keep: try OperationRef(conflict)))
    }
    try node.handOff(acts.randomElement(using: &random)!, on: try ObjectID(target.id))
  case 10:
    // A lead act by this node, whether it may act or not.
    guard let target = try node.store.leads().randomElement(using: &random) else { return }
    let acts: [LeadAct] = [
      .acknowledge, .check, .decide(outcome: .caseOpened, caseReference: "c", note: ""),
      .decide(outcome: .notOpened, caseReference: "", note: "n"), .extend(reason: "e"), .close,
      .withdraw(note: "w"), .merge(into: node.newObjectID()),
    ]
    // The same audience the application layer gives a lead act (LiandongApp.ActAudience).
    let audience = try ActAudience.on(target, by: node.id)
    try node.record(
      [
        DomainOperation(
          objectID: try ObjectID(target.id), action: .leadAct(acts.randomElement(using: &random)!))
      ],
      audience: audience)
  case 11:
    // Evidence on a visible lead, or a custody event on visible evidence, by whoever may or
    // may not record it.
    if Bool.random(using: &random), let target = try node.store.leads().randomElement(using: &random) {
      let audience = try ActAudience.on(target, by: node.id)
      try node.addEvidence(
        randomBytes(64, seed: UInt64.random(in: 0...UInt64.max, using: &random)),
        to: try ObjectID(target.id),
        audience: audience)
    } else if Bool.random(using: &random),
      let evidence = try node.store.evidence().randomElement(using: &random),
      let share = try node.store.evidenceShare(id: evidence.id)
    {
      // Sharing visible evidence with another node, whether this node holds it or not.
      let other = nodes.filter { $0 !== node }.randomElement(using: &random)!
      try node.record(
        [DomainOperation(objectID: try ObjectID(evidence.id), action: .shareEvidence(share))],
        audience: .nodes([other.id]))
    } else if let evidence = try node.store.evidence().randomElement(using: &random) {
      let event = CustodyEventKind.allCases.randomElement(using: &random)!
      try node.record(
        [
          DomainOperation(
            objectID: try ObjectID(evidence.id), action: .recordCustody(CustodyRecord(event: event)))
        ],
        audience: try evidence.custodyAudience(for: node.id))
    }
  default:
    break
  }
}

/// The operations of the open hand-off conflict on `lead`, as `node` sees it.
private func conflicts(_ node: SimulatedNode, _ lead: String) throws -> [String] {
  try node.store.conflicts().filter { $0.kind == "hand-off" && $0.id == lead }.flatMap { conflict in
    conflict.acts.split(separator: "(").dropFirst().compactMap {
      $0.split(separator: ")").first.map(String.init)
    }
  }
}
