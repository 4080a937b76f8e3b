import LiandongCore

/// What kind of act an operation is, by a stable name (`create-lead`, `lead:acknowledge`,
/// `request:extend`, `hand-off:offer`, `police:approve`, `custody:received`, ...), and the words a
/// person wrote with it (a summary, a reason, findings, a letter, a note): what a console shows
/// in its own language instead of the English of `HistoryEntry.what`.
enum HistoryAction {
  static func of(_ operation: DomainOperation) -> (name: String, words: String)? {
    switch operation.action {
    case .createLead(let fields): ("create-lead", fields.summary)
    case .updateLead(let patch): ("update-lead", patch.summary ?? "")
    case .createSubject(let subject): ("create-subject", subject.name)
    case .leadAct(let act):
      switch act {
      case .decide(let outcome, let reference, let note):
        ("lead:decide", [outcome.rawValue, reference, note].filter { !$0.isEmpty }.joined(separator: "；"))
      case .extend(let reason): ("lead:extend", reason)
      case .withdraw(let note): ("lead:withdraw", note)
      case .merge(let into): ("lead:merge", into.description)
      default: ("lead:\(act.name)", "")
      }
    case .createRequest(let request): ("create-request", "\(request.caseReference) → \(request.requested)")
    case .actOnRequest(let act, _):
      switch act {
      case .extend(let days, let reason, _): ("request:extend", "\(days)：\(reason)")
      case .complete(let findings, _), .completePartly(let findings, _): ("request:\(act.name)", findings)
      case .decline(let reason), .cancel(let reason): ("request:\(act.name)", reason)
      default: ("request:\(act.name)", "")
      }
    case .handOff(let act, _):
      switch act {
      case .offer(let to, let letter, _, _, _): ("hand-off:offer", "→ \(to)：\(letter)")
      case .object(let reason, _), .withdraw(let reason), .claim(let reason, _):
        ("hand-off:\(act.name)", reason)
      case .designate(let to, let reason, _): ("hand-off:designate", "→ \(to)：\(reason)")
      default: ("hand-off:\(act.name)", "")
      }
    case .policeTransfer(let act):
      switch act {
      case .create(_, let police, let reportedOn, _): ("police:create", "\(police)（\(reportedOn)）")
      case .refuse(let text), .transfer(let text), .policeAccepted(let text), .policeDeclined(let text),
        .reconsider(let text):
        ("police:\(act.name)", text)
      default: ("police:\(act.name)", "")
      }
    case .recordCustody(let custody):
      (
        "custody:\(custody.event.rawValue)",
        [custody.hashMatched.map { $0 ? "✓ SHA-256" : "✗ SHA-256" } ?? "", custody.holder, custody.note]
          .filter { !$0.isEmpty }.joined(separator: "：")
      )
    case .addEvidence(let evidence): ("add-evidence", evidence.fileName)
    case .shareEvidence: ("share-evidence", "")
    case .warnOfSubject(let warning): ("warn-of-subject", warning.subject)
    default: nil
    }
  }
}
