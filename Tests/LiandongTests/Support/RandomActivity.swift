import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

/// One act by `node`, chosen at random and often not allowed: a lead, an edit, an assistance
/// request or an act on one, a hand-off act, a lead act, evidence, a share or a custody event.
/// Each goes through the application layer's use case, as a front end would make it; the
/// reducers must refuse, apply or raise a conflict the same way on every node. This is the
/// workload of the convergence test and of the deterministic simulation.
func actRandomly(_ node: SimulatedNode, among nodes: [SimulatedNode], using random: inout SeededGenerator)
  throws
{
  let count = nodes.count
  let index = nodes.firstIndex { $0 === node }!
  let app = node.app
  let officer = Officer("officer-1")
  switch Int.random(in: 0..<12, using: &random) {
  case 0..<4:
    let audience: Audience =
      switch Int.random(in: 0..<3, using: &random) {
      case 0: .all
      case 1: .originOnly
      default: .nodes(Set(nodes.filter { _ in Bool.random(using: &random) }.map(\.id)))
      }
    let summary = "lead by \(node.id) at \(node.clockMillis)"
    _ = try app.addLead(
      NewLead(
        subject: SubjectRecord(kind: .shop, name: "某检测服务店"),
        fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: summary), audience: audience),
      by: officer, now: node.tick())
  case 4..<7:
    // Edit a lead this node can see: the owner's edits apply, others' are refused.
    let visible = try node.store.leads()
    guard let target = visible.randomElement(using: &random) else { return }
    var patch = LeadPatch()
    patch.summary = "edit \(Int.random(in: 0...999, using: &random)) by \(node.id)"
    patch.risk = RiskLevel.allCases.randomElement(using: &random)
    let id = try ObjectID(target.id)
    try throughApp(node, { try app.editLead(id, patch, by: officer, now: node.tick()) }) {
      try node.record(
        [DomainOperation(objectID: id, action: .updateLead(patch))],
        audience: try ActAudience.on(target, by: node.id))
    }
  case 7:
    // An assistance request to another node.
    let peer = nodes[(index + Int.random(in: 1..<count, using: &random)) % count]
    let record = AssistanceRequestRecord(
      requested: peer.id, caseReference: "京市监案〔2026〕17号", legalBasis: "Penalty Procedure Rules, Art. 45",
      tasks: [.verifyRegistration, .obtainRecords])
    _ = try app.sendRequest(record, by: officer, now: node.tick())
  case 8:
    // Any act on a request this node can see, right or wrong, often concurrent with the
    // other party's: the reducers refuse, apply or raise a conflict, the same everywhere.
    guard let target = try node.store.requests().randomElement(using: &random) else { return }
    let acts: [RequestAct] = [
      .acknowledge, .accept, .extend(workingDays: 5, reason: "slow", deadline: nil),
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
    let id = try ObjectID(target.id)
    try throughApp(node, { try app.act(onRequest: id, act, by: officer, now: node.tick()) }) {
      try node.act(act, on: id)
    }
  case 9:
    // A hand-off act on a visible case, by the right bureau or not.
    guard let target = try node.store.leads().randomElement(using: &random) else { return }
    let other = nodes.randomElement(using: &random)!
    let id = try ObjectID(target.id)
    let snapshot = CaseSnapshot(
      origin: try NodeID(target.origin), owner: try NodeID(target.owner),
      fields: LeadFields(violations: [.forgedReport], subjectIDs: [], summary: target.summary))
    var acts: [(HandOffRequest?, HandOffAct)] = [
      (
        .offer(to: other.id, letter: "the seller operates there", evidence: []),
        try node.offer(id, to: other.id)
      ),
      (.accept, .accept), (.object(reason: "o"), .object(reason: "o", snapshot: snapshot)),
      (.withdraw(reason: "w"), .withdraw(reason: "w")),
      (.claim(reason: "ours"), .claim(reason: "ours", snapshot: snapshot)),
      (
        .designate(to: other.id, reason: "d"),
        .designate(to: other.id, reason: "d", manifest: try node.federation.manifest)
      ),
      (
        nil,
        .shareHistory([
          SharedHistoryEntry(
            time: "2026-11-20T00:00:00Z", node: "n0", officer: "o", what: "w", operation: "x:0")
        ])
      ),
    ]
    // Either act of a hand-off conflict, kept by whoever tries.
    if let conflict = try conflicts(node, target.id).randomElement(using: &random) {
      let keep = try OperationRef(conflict)
      acts.append((.resolve(keep: keep), .resolve(keep: keep)))
    }
    let (request, act) = acts.randomElement(using: &random)!
    guard let request else {
      try node.handOff(act, on: id)
      return
    }
    try throughApp(node, { try app.handOff(id, request, by: officer, now: node.tick()) }) {
      try node.handOff(act, on: id)
    }
  case 10:
    // A lead act by this node, whether it may act or not.
    guard let target = try node.store.leads().randomElement(using: &random) else { return }
    let acts: [LeadAct] = [
      .acknowledge, .check, .decide(outcome: .caseOpened, caseReference: "c", note: ""),
      .decide(outcome: .notOpened, caseReference: "", note: "n"), .extend(reason: "e"), .close,
      .withdraw(note: "w"), .merge(into: node.newObjectID()),
    ]
    let step = acts.randomElement(using: &random)!
    try throughApp(node, { try app.act(on: try ObjectID(target.id), step, by: officer, now: node.tick()) }) {}
  case 11:
    // Evidence on a visible lead, or a custody event on visible evidence, by whoever may or
    // may not record it.
    if Bool.random(using: &random), let target = try node.store.leads().randomElement(using: &random) {
      let content = randomBytes(64, seed: UInt64.random(in: 0...UInt64.max, using: &random))
      try node.addEvidence(content, to: try ObjectID(target.id), audience: nil)
    } else if Bool.random(using: &random),
      let evidence = try node.store.evidence().randomElement(using: &random),
      let share = try node.store.evidenceShare(id: evidence.id)
    {
      // Sharing visible evidence with another node, whether this node holds it or not.
      let other = nodes.filter { $0 !== node }.randomElement(using: &random)!
      let id = try ObjectID(evidence.id)
      try throughApp(
        node,
        { try app.shareEvidence([id], with: other.id.rawValue, note: "n", by: officer, now: node.tick()) }
      ) {
        try node.record(
          [DomainOperation(objectID: id, action: .shareEvidence(share))], audience: .nodes([other.id]))
      }
    } else if let evidence = try node.store.evidence().randomElement(using: &random) {
      let event = CustodyRecord(event: CustodyEventKind.allCases.randomElement(using: &random)!)
      let id = try ObjectID(evidence.id)
      try throughApp(node, { try app.recordCustody(of: id, event, by: officer, now: node.tick()) }) {
        try node.record(
          [DomainOperation(objectID: id, action: .recordCustody(event))],
          audience: try evidence.custodyAudience(for: node.id))
      }
    }
  default:
    break
  }
}

/// Makes an act through the application layer, as a front end would. An act the layer refuses
/// (its own checks, or the reducers' `ActRefused`) signs nothing; `otherwise` then signs it
/// anyway, as a node running other code could, so every node's reducers must still refuse it the
/// same way when it arrives.
private func throughApp<T>(_ node: SimulatedNode, _ act: () throws -> T, otherwise: () throws -> Void) throws
{
  do {
    _ = try act()
  } catch let error as any CodedError where error.category != .internal {
    try otherwise()
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
