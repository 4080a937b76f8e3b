import Foundation
import LiandongCore
import LiandongStore

extension LeadView {
  /// The acts on this lead that `node`'s rules would accept now, for a front end to offer (the
  /// console shows a form for each and no other). The reducer stays the judge: an act offered
  /// here and refused meanwhile (a withdrawal arrived by sync) is refused with its reason.
  public func actsOpen(to node: NodeID) -> [String] {
    let me = node.rawValue
    var acts: [String] = []
    let open: Set<LeadState> = [.published, .acknowledged, .checking]
    if owner == me, open.contains(state) { acts += ["withdraw", "merge"] }
    let reached =
      (try? Audience(parsing: audience))?.includes(node, origin: (try? NodeID(origin)) ?? node) ?? false
    guard origin != me, reached else { return acts }
    let mine = handling.first { $0.bureau == me }
    let handlingState = mine?.state ?? .published
    if state == .withdrawn || state == .merged {
      // Only finishing acts on a case already under way.
      if [.acknowledged, .checking].contains(handlingState) { acts.append("decide") }
      if mine?.outcome != nil, handlingState != .closed { acts.append("close") }
      return acts
    }
    switch handlingState {
    case .published: acts.append("acknowledge")
    case .acknowledged: acts += ["check", "decide"] + (mine?.extended == nil ? ["extend"] : [])
    case .checking: acts += ["decide"] + (mine?.extended == nil ? ["extend"] : [])
    default: if mine?.outcome != nil, handlingState != .closed { acts.append("close") }
    }
    return acts
  }

  /// Whether this lead was sent to `node` by name (not only a warning to all) and waits for its
  /// acknowledgement.
  public func awaitsAcknowledgement(by node: NodeID) -> Bool {
    guard origin != node.rawValue, case .nodes(let nodes)? = try? Audience(parsing: audience),
      nodes.contains(node), [.published, .acknowledged, .checking].contains(state)
    else { return false }
    return (handling.first { $0.bureau == node.rawValue }?.state ?? .published) == .published
  }
}

extension RequestView {
  /// The acts on this request that `node`'s side may take now (`RequestFold`'s rules), for a
  /// front end to offer. A conflict is resolved with the command line (`request resolve`).
  public func actsOpen(to node: NodeID) -> [String] {
    let open: Set<RequestState> = [.sent, .acknowledged, .inProgress]
    if requested == node.rawValue {
      let extend = extensionWorkingDays == nil ? ["extend"] : []
      switch state {
      case .sent: return ["acknowledge", "accept", "decline"]
      case .acknowledged: return ["accept"] + extend + ["complete", "complete-partly", "decline"]
      case .inProgress: return extend + ["complete", "complete-partly", "decline"]
      default: return []
      }
    }
    guard requester == node.rawValue else { return [] }
    if open.contains(state) { return ["cancel"] }
    return [.completed, .partlyCompleted, .declined].contains(state) ? ["close"] : []
  }
}

extension LeadView {
  /// The hand-off acts (案件移送) `node` may take on this case now (`HandOffFold`'s rules):
  /// its owner offers it (unless it received it by hand-off) or withdraws its offer; the bureau
  /// offered it accepts or objects. Claims, designations and conflicts stay on the command line.
  public func handOffActsOpen(to node: NodeID) -> [String] {
    let me = node.rawValue
    if let handOff, handOff.state == .offered {
      if handOff.to == me { return ["accept", "object"] }
      return handOff.from == me ? ["withdraw"] : []
    }
    guard owner == me, !receivedByHandOff, ![.withdrawn, .merged, .closed].contains(state) else { return [] }
    return ["offer"]
  }

  /// Accepting a case offered, or objecting to it, is the receiving bureau's decision, which the
  /// rules reserve to its leader (DOMAIN.md, "Roles at a bureau").
  public static let leadersHandOffActs: Set<String> = ["accept", "object"]

  /// The hand-off acts `caller` may take on this case at `node` now: those open to the node, less
  /// a leader's for anyone who is not a supervisor.
  public func handOffActsOpen(to node: NodeID, caller: Caller) -> [String] {
    guard caller.may(.actOnCases) else { return [] }
    return handOffActsOpen(to: node).filter {
      !Self.leadersHandOffActs.contains($0) || caller.may(.approveAsLeader)
    }
  }
}

extension LeadView {
  /// Whether `node` works this case: it owns the lead, or it received it and is checking it or
  /// opened a case on it. Such a bureau may ask another for assistance (委托调查) about it.
  public func isWorked(by node: NodeID) -> Bool {
    guard ![.withdrawn, .merged, .closed].contains(state) else { return false }
    if owner == node.rawValue { return true }
    return handling.contains {
      $0.bureau == node.rawValue
        && ([.acknowledged, .checking].contains($0.state) || $0.outcome == .caseOpened)
        && $0.state != .closed
    }
  }

  /// Whether `node` carries a case on this lead that it could report to the police (行刑衔接):
  /// it owns the lead, or opened a case on it (立案). Checking a lead is not yet a case.
  public func isCase(of node: NodeID) -> Bool {
    guard ![.withdrawn, .merged, .closed].contains(state) else { return false }
    if owner == node.rawValue { return true }
    return handling.contains {
      $0.bureau == node.rawValue && $0.outcome == .caseOpened && $0.state != .closed
    }
  }
}
