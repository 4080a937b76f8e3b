import Foundation
import LiandongCore
import LiandongCrypto

/// One operation on an object, as `liandong history` shows it.
public struct HistoryEntry: Codable, Sendable, Equatable {
  /// When the operation counts as made: its change's time in effect (`ChainTime`).
  public var time: String
  /// The time its change was stamped with, when a clock correction of its origin re-timed it
  /// (the origin's clock had run ahead); nil otherwise.
  public var stamped: String? = nil
  public var node: String
  public var officer: String
  public var what: String
  /// The signed operation: `<change ID>:<index>`.
  public var operation: String
  /// Why it had no effect, if the rules refused it.
  public var refused: String?
  /// For an operation this node cannot read itself: the bureau that shared its description when
  /// it handed the case off.
  public var sharedBy: String? = nil
  /// The nodes other than its origin proven by their own signed checkpoints to hold the change,
  /// each since its earliest such checkpoint (`Witness`); nil for an operation not held here.
  public var heldBy: [HeldBy]? = nil
  /// The kind of act by a stable name (`lead:acknowledge`, `hand-off:offer`, ...) and the words a
  /// person wrote with it, for a front end that shows acts in its own language; nil for an
  /// operation of the federation itself (an announcement, a manifest, a CRL).
  public var action: String? = nil
  public var words: String? = nil

  public struct HeldBy: Codable, Sendable, Equatable {
    public var node: String
    public var since: String
  }
}

/// A conflict a reducer raised: acts made at once that cannot both stand.
public struct ConflictView: Codable, Sendable, Equatable {
  public var kind: String
  public var id: String
  public var between: String
  public var acts: String
  public var resolveWith: String
}

extension ReadModels where Self: SQLBackedStore {
  /// Every operation this node holds on `object`, in replay order, with any refusal.
  public func history(of object: ObjectID) throws -> [HistoryEntry] {
    try snapshot { db in
      let refusals = Dictionary(
        try db.rows(
          "SELECT change_id, op_index, code, reason FROM p_refusals WHERE object_id = ?", object.description
        ).map {
          (
            "\($0["change_id"] as String):\($0["op_index"] as Int)",
            "\($0["code"] as String): \($0["reason"] as String)"
          )
        },
        uniquingKeysWith: { first, _ in first })
      var entries: [(OrderKey, HistoryEntry)] = []
      for row in try db.rows("SELECT change_id, op_index FROM p_operations WHERE object_id = ?", object.bytes)
      {
        guard
          let stored = try db.firstRow(
            "SELECT header, signature, body FROM changes WHERE id = ?", row["change_id"] as Data),
          let change = try? SignedChange(
            headerBytes: stored["header"], signature: stored["signature"], body: stored["body"]),
          let body = change.decodedBody()
        else { continue }
        let index: Int = row["op_index"]
        let reference = "\(change.id.hex):\(index)"
        let time = try LogTables.timeInEffect(of: change.id, stamp: change.header.time, db)
        var entry = HistoryEntry(
          time: time.iso8601, node: change.header.origin.rawValue, officer: body.officer,
          what: Self.explain(body.operations[index], in: change.header.suite), operation: reference,
          refused: refusals[reference])
        if time != change.header.time { entry.stamped = change.header.time.iso8601 }
        if let action = HistoryAction.of(body.operations[index]) {
          entry.action = action.name
          entry.words = action.words.isEmpty ? nil : action.words
        }
        entry.heldBy = try LogTables.witnesses(of: change.header, id: change.id, db).map {
          HistoryEntry.HeldBy(node: $0.node.rawValue, since: $0.since.iso8601)
        }
        entries.append(
          (
            OrderKey(
              time: time, origin: change.header.origin, sequence: change.header.sequence, change: change.id,
              index: index),
            entry
          ))
      }
      let own = entries.sorted { $0.0 < $1.0 }.map(\.1)
      // What the bureau that handed the case off shared, for operations this node cannot read.
      let held = Set(own.map(\.operation))
      let shared = try db.rows(
        "SELECT * FROM p_shared_history WHERE lead_id = ? ORDER BY position", object.description
      ).compactMap { row -> HistoryEntry? in
        let operation: String = row["operation"]
        guard !held.contains(operation) else { return nil }
        return HistoryEntry(
          time: row["time"], node: row["node"], officer: row["officer"], what: row["what"],
          operation: operation,
          refused: nil, sharedBy: row["shared_by"])
      }
      // ISO 8601 times in UTC sort as text; ties keep each list's own order.
      return (shared + own).enumerated().sorted {
        ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
      }.map(\.element)
    }
  }

  /// Every conflict a reducer raised and nobody has resolved yet, read from the rows that hold
  /// one: the worklist asks on every visit, and reading every lead for its dispute made it
  /// grow with the store (BENCHMARKS.md, B9).
  public func conflicts() throws -> [ConflictView] {
    let (requestConflicts, disputes) = try snapshot { db in
      let requests = try db.rows(
        """
        SELECT id, requester, requested, conflict FROM p_requests WHERE conflict IS NOT NULL
        ORDER BY created_wall, created_counter, id
        """
      ).map { row in
        ConflictView(
          kind: "request", id: row["id"],
          between: "\(row["requester"] as String) and \(row["requested"] as String)",
          acts: row["conflict"],
          resolveWith: "liandong request resolve \(row["id"] as String) --keep OPERATION")
      }
      // Two bureaus claiming one case (Art. 13) is a conflict only a superior settles. In the
      // leads' order, looked up for each dispute: a join ordered by the leads' columns had
      // SQLite walk every lead by time and probe for its dispute.
      let disputes = try db.rows(
        """
        SELECT * FROM p_disputes ORDER BY
          (SELECT created_wall FROM p_leads WHERE p_leads.id = p_disputes.lead_id),
          (SELECT created_counter FROM p_leads WHERE p_leads.id = p_disputes.lead_id), lead_id
        """
      ).map { row in
        let (owner, claimant, lead): (String, String, String) = (
          row["owner"], row["claimant"], row["lead_id"]
        )
        let since = CivilDate(chinaDayOf: UInt64(row["since_wall"] as Int64))
        return ConflictView(
          kind: "jurisdiction", id: lead, between: "\(owner) and \(claimant)",
          acts: "\(owner) owns the case; \(claimant) claimed it on \(since): \(row["reason"] as String)",
          resolveWith: "a superior of both: liandong handoff designate \(lead) --to NODE --reason ...")
      }
      return (requests, disputes)
    }
    return requestConflicts + disputes + (try handOffConflicts())
  }

  /// Acceptance or objection crossing a withdrawal, or two designations, made at once.
  private func handOffConflicts() throws -> [ConflictView] {
    try snapshot { db in
      let rows = try db.rows(
        "SELECT * FROM p_handoff_conflicts ORDER BY lead_id, time_wall, time_counter, operation")
      return Dictionary(grouping: rows, by: { $0["lead_id"] as String }).sorted { $0.key < $1.key }.map {
        lead, acts in
        ConflictView(
          kind: "hand-off", id: lead,
          between: acts.map { $0["node"] as String }.joined(separator: " and "),
          acts: acts.map { "\($0["node"] as String) \($0["act"] as String) (\($0["operation"] as String))" }
            .joined(separator: "; "),
          resolveWith: "a party: liandong handoff resolve \(lead) --keep OPERATION")
      }
    }
  }

  /// What an operation did, in words, with the values it set.
  static func explain(_ operation: DomainOperation, in suite: CryptoSuite) -> String {
    switch operation.action {
    case .updateLead(let patch):
      var set: [String] = []
      if let v = patch.summary { set.append("summary \"\(v)\"") }
      if let v = patch.risk { set.append("risk \(v.rawValue)") }
      if let v = patch.violations { set.append("violations \(v.map(\.rawValue).joined(separator: ","))") }
      if let v = patch.productCategory { set.append("product category \"\(v)\"") }
      if let v = patch.sourceReliability { set.append("source reliability \(v.rawValue)") }
      if let v = patch.informationReliability { set.append("information reliability \(v)") }
      if let v = patch.source { set.append("source \(v.rawValue)") }
      if let v = patch.reporterRealName { set.append("real-name reporter \(v)") }
      if let v = patch.subjectIDs { set.append("subjects \(v.map(\.description).joined(separator: ","))") }
      return "edited the lead: " + set.joined(separator: ", ")
    case .createLead(let fields):
      return
        "created the lead: \(fields.violations.map(\.rawValue).joined(separator: ",")), risk \(fields.risk.rawValue): \"\(fields.summary)\""
    case .actOnRequest(let act, _):
      switch act {
      case .extend(let days, let reason, let deadline):
        return
          "extend by \(days) working days\(deadline.map { " (before the deadline \($0))" } ?? ""): \(reason)"
      case .complete(let findings, _), .completePartly(let findings, _): return "\(act.name): \(findings)"
      case .decline(let reason), .cancel(let reason): return "\(act.name): \(reason)"
      case .resolve(let keep): return "resolve the conflict: \(keep) stands"
      default: return act.name
      }
    case .handOff(.shareHistory(let entries), _):
      return "shared the case's history with the new owner (\(entries.count) operations)"
    case .handOff(.resolve(let keep), _):
      return "resolve the hand-off conflict: \(keep) stands"
    case .shareEvidence:
      return "shared the evidence item"
    case .recordCustody(let custody):
      var text = "custody: \(custody.event.rawValue)"
      if let matched = custody.hashMatched {
        text += " (\(suite.digest.displayName) \(matched ? "matched" : "did not match"))"
      }
      if !custody.holder.isEmpty { text += " to \(custody.holder)" }
      return custody.note.isEmpty ? text : "\(text): \(custody.note)"
    default:
      return NodeStore.describe(operation, in: suite)
    }
  }
}
