import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore
import NIOCore

/// Leads: the list with search and paging, one lead's page (its story across regions, its
/// evidence, the acts open to this officer), recording a new one, and acting on one.
extension ConsolePages {
  func leads(_ visit: Visit) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    // An empty field of the form (any state, no date) asks for nothing.
    func asked(_ name: String) -> String? { visit.query(name).flatMap { $0.isEmpty ? nil : $0 } }
    let state = try asked("state").map { try LeadState(canonical: $0) }
    let text = asked("q")
    let cursor = asked("cursor")
    var query = LeadQuery(
      state: state, risk: try asked("risk").map { try RiskLevel(canonical: $0) }, text: text, limit: 50,
      cursor: cursor)
    (query.from, query.to) = (
      try asked("from").map { try CivilDate($0) }, try asked("to").map { try CivilDate($0) }
    )
    query.order = asked("sort") == LeadOrder.oldest.rawValue ? .oldest : .newest
    let page = try app.leads(query)
    var values: [String: Any] = [
      "leads": page.items.map { LeadRow($0, language).values }, "anyLeads": !page.items.isEmpty,
      "query": text ?? "", "from": query.from?.description ?? "", "to": query.to?.description ?? "",
      "states": Self.options(
        LeadState.allCases.map(\.rawValue), selected: Set([state?.rawValue].compactMap { $0 }), language),
      "risks": Self.options(
        RiskLevel.allCases.map(\.rawValue), selected: Set([query.risk?.rawValue].compactMap { $0 }), language),
      "orders": Self.options(LeadOrder.allCases.map(\.rawValue), selected: [query.order.rawValue], language),
    ]
    let asks = [
      ("q", text), ("state", state?.rawValue), ("risk", query.risk?.rawValue),
      ("from", query.from?.description),
      ("to", query.to?.description), ("sort", query.order == .oldest ? "oldest" : nil),
    ]
    let filters = asks.compactMap { name, value in value.map { "\(name)=\(Self.encoded($0))" } }
    if cursor != nil {
      values["cursor"] = true
      values["firstPage"] = filters.isEmpty ? "" : "?" + filters.joined(separator: "&")
    }
    if let next = page.nextCursor {
      values["nextPage"] = "?" + (filters + ["cursor=\(Self.encoded(next))"]).joined(separator: "&")
    }
    return Rendered(template: "leads", title: language.phrase("leads"), values: values)
  }

  /// `typed`: what the officer posted in a form that was refused, shown again in that form.
  func lead(_ visit: Visit, id rawID: String, typed: FormBody? = nil) throws -> Rendered {
    try visit.caller.require(.readCases)
    let language = visit.language
    let id = try app.objectID(rawID)
    let lead = try app.lead(id)
    let acts = visit.caller.may(.actOnCases) ? lead.actsOpen(to: app.node) : []
    let evidence = try app.views.evidence(item: lead.id)
    var values: [String: Any] = ["lead": LeadRow(lead, language).details, "leadID": lead.id]
    let peers = try app.knownNodes().filter { $0 != app.node }.map(\.rawValue).sorted()
    let handOffActs = lead.handOffActsOpen(to: app.node, caller: visit.caller)
    var forms =
      acts.map { ActForm.lead($0, id: lead.id) }
      + handOffActs.map {
        ActForm.handOff($0, id: lead.id, peers: peers)
      }
    if visit.caller.may(.actOnCases) {
      let documents = evidence.map { ActForm.Choice(value: $0.id, name: Shown.text($0.fileName)) }
      if lead.isWorked(by: app.node), !peers.isEmpty {
        let reference = lead.handling.first { $0.bureau == app.node.rawValue }?.caseReference ?? ""
        forms.append(
          ActForm.assistanceRequest(
            lead: lead.id, peers: peers, evidence: documents, caseReference: reference))
      }
      // The package's documents are the case's evidence items: without any there is nothing
      // to choose yet, and the evidence form below is where they are added.
      if lead.isCase(of: app.node), !documents.isEmpty {
        forms.append(ActForm.policeTransfer(lead: lead.id, evidence: documents))
      }
    }
    values["acts"] = forms.map { $0.values(language, typed: typed) }
    if let handOff = lead.handOff {
      var shown: [String: Any] = [
        "from": handOff.from, "to": handOff.to, "state": language.label("handoff:\(handOff.state.rawValue)"),
        "letter": Shown.text(handOff.letter),
      ]
      shown["reason"] = Shown.optional(handOff.reason)
      values["handOff"] = shown
    }
    values["evidence"] = try evidence.map { try evidenceValues($0) }
    values["mayShare"] = visit.caller.may(.actOnCases) && !peers.isEmpty
    values["story"] = try app.views.history(of: id).map { storyValues($0, language) }
    values["reach"] = try reachRows(of: id, language)
    values["objectID"] = lead.id
    let notices = ["recorded": "recorded", "evidence": "evidenceAdded", "shared": "evidenceShared"]
    let notice = visit.query("done").map { language.phrase(notices[$0] ?? "actDone") }
    // Adding and sharing evidence are case acts; the bundle is for anyone who reads the case.
    if visit.caller.may(.actOnCases) {
      values["evidenceForm"] = [
        "categories": Self.options(
          EvidenceCategory.allCases.map(\.rawValue), selected: [EvidenceCategory.electronicData.rawValue],
          language),
        "methods": Self.options(
          FixingMethod.allCases.map(\.rawValue), selected: [FixingMethod.screenshot.rawValue], language),
      ]
      values["shareTo"] = peers.map { ["value": $0, "name": $0] }
    }
    values["anyEvidence"] = !evidence.isEmpty
    return Rendered(
      template: "lead", title: Shown.text(String(lead.summary.prefix(40))), values: values, live: true,
      notice: notice)
  }

  private func evidenceValues(_ item: EvidenceView) throws -> [String: Any] {
    let custody: [[String: Any]] = item.custody.map { event in
      [
        "time": Shown.chinaTime(event.time), "node": event.node, "officer": Shown.text(event.officer),
        "event": event.event, "note": Shown.text(event.note),
      ]
    }
    return [
      "id": item.id, "fileName": Shown.text(item.fileName), "size": Shown.bytes(item.size),
      "sha256": item.sha256,
      "held": try app.heldFileLocation(of: item) != nil, "damaged": item.file == "damaged",
      "custody": custody,
    ]
  }

  func storyValues(_ entry: HistoryEntry, _ language: Language) -> [String: Any] {
    var row: [String: Any] = [
      "time": Shown.chinaTime(entry.time), "node": entry.node, "officer": Shown.text(entry.officer),
      "what": Shown.text(StoryPhrases.what((entry.action, entry.words, entry.what), language)),
      "operation": entry.operation,
    ]
    if let refused = entry.refused { row["refused"] = Shown.text(refused) }
    // Its origin's clock had run ahead: the time shown is the one its correction proves.
    if let stamped = entry.stamped { row["stamped"] = Shown.chinaTime(stamped) }
    // Which other nodes are proven, by their own signed checkpoints, to hold this change.
    row["heldBy"] = (entry.heldBy ?? []).map { held -> [String: Any] in
      ["node": held.node, "since": Shown.chinaTime(held.since)]
    }
    return row
  }

  func newLeadForm(_ visit: Visit, form: FormBody = FormBody()) throws -> Rendered {
    try visit.caller.require(.actOnCases)
    let language = visit.language
    let peers = try app.knownNodes().filter { $0 != app.node }.map(\.rawValue).sorted()
    return Rendered(
      template: "newlead", title: language.phrase("newLeadTitle"),
      values: [
        "form": [
          "subjectName": form["subjectName"] ?? "", "uscc": form["uscc"] ?? "",
          "platform": form["platform"] ?? "",
          "shopID": form["shopID"] ?? "", "url": form["url"] ?? "", "summary": form["summary"] ?? "",
        ],
        "kinds": Self.options(
          SubjectKind.allCases.map(\.rawValue), selected: [form["subjectKind"] ?? "shop"], language),
        "violations": Self.options(
          Violation.allCases.map(\.rawValue), selected: Set(form.all("violation")), language),
        "risks": Self.options(
          RiskLevel.allCases.map(\.rawValue), selected: [form["risk"] ?? "medium"], language),
        "recipients": peers.map { ["value": $0, "name": $0] } + [
          ["value": "all", "name": language.phrase("allRegions")]
        ],
      ])
  }

  /// Records the lead, and its screenshot as evidence when one was chosen, then shows the lead.
  /// A refusal shows the form again with everything typed kept and the reason above it.
  func createLead(_ request: Request) async throws -> Response {
    try await act(request) { visit, form in
      let lead = NewLead(
        subject: SubjectRecord(
          kind: try SubjectKind(canonical: form["subjectKind"] ?? "shop"), name: form["subjectName"] ?? "",
          uscc: form.text("uscc"), registeredDivision: nil, businessDivision: nil,
          platform: form.text("platform"),
          shopID: form.text("shopID"), url: form.text("url")),
        fields: LeadFields(
          source: .onlineMonitoring,
          violations: try form.all("violation").map { try Violation(canonical: $0) },
          subjectIDs: [], productCategory: "", summary: form["summary"] ?? "",
          risk: try RiskLevel(canonical: form["risk"] ?? "medium"), sourceReliability: .x,
          informationReliability: 4, reporterRealName: false),
        audience: form.all("to").isEmpty
          ? nil : try app.audience(parsing: form.all("to").joined(separator: ",")))
      // The file is checked before the lead is signed: a refusal then leaves no lead behind
      // for the officer to record a second time.
      var screenshot: (record: EvidenceRecord, upload: EvidenceUpload)?
      if let file = form.file {
        screenshot = (
          try Self.evidenceRecord(
            for: file, item: ObjectID(), category: .electronicData, howFixed: .screenshot, by: visit),
          file.upload
        )
      }
      let created = try app.addLead(lead, by: visit.caller.officer).view
      if var screenshot {
        screenshot.record.itemID = try ObjectID(created.id)
        _ = try app.addEvidence(
          to: screenshot.record.itemID, upload: screenshot.upload, record: screenshot.record, audience: nil,
          by: visit.caller.officer)
      }
      return "\(Console.root)/leads/\(created.id)?done=recorded"
    } onRefusal: { visit, form, error in
      refused(try newLeadForm(visit, form: form), error)
    }
  }

  func actOnLead(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      let step: LeadAct
      switch form["act"] ?? "" {
      case "acknowledge": step = .acknowledge
      case "check": step = .check
      case "close": step = .close
      case "decide":
        step = .decide(
          outcome: try LeadOutcome(canonical: form["outcome"] ?? ""),
          caseReference: form.text("caseReference") ?? "",
          note: form.text("note") ?? "")
      case "extend": step = .extend(reason: form.text("reason") ?? "")
      case "withdraw": step = .withdraw(note: form.text("note") ?? "")
      case "merge": step = .merge(into: try app.objectID(form.text("into") ?? ""))
      case let other:
        throw Failure(code: "api.bad-request", message: "a lead has no act \"\(other)\"")
      }
      _ = try app.act(on: id, step, by: visit.caller.officer)
      return "\(Console.root)/leads/\(id)?done=act"
    } onRefusal: { visit, form, error in
      refused(try lead(visit, id: rawID, typed: form), error)
    }
  }

  func handOff(_ request: Request, id rawID: String) async throws -> Response {
    try await act(request) { visit, form in
      let id = try app.objectID(rawID)
      let reason = form.text("reason") ?? ""
      let step: HandOffRequest
      switch form["act"] ?? "" {
      case "handoff-offer":
        step = .offer(to: try NodeID(form.text("to") ?? ""), letter: form.text("letter") ?? "", evidence: [])
      case "handoff-accept": step = .accept
      case "handoff-object": step = .object(reason: reason)
      case "handoff-withdraw": step = .withdraw(reason: reason)
      case let other: throw Failure(code: "api.bad-request", message: "a hand-off has no act \"\(other)\"")
      }
      try visit.caller.require(step.permission)
      _ = try app.handOff(id, step, by: visit.caller.officer)
      return "\(Console.root)/leads/\(id)?done=act"
    } onRefusal: { visit, form, error in
      refused(try lead(visit, id: rawID, typed: form), error)
    }
  }

  /// A form's act: the session is checked before the body is read (a stranger's upload is never
  /// written), the CSRF token after; success goes on to the page `perform` names (Post/Redirect/
  /// Get), a refusal renders `onRefusal`'s page.
  func act(
    _ request: Request, permission: Permission = .actOnCases, _ perform: (Visit, FormBody) throws -> String,
    onRefusal: (Visit, FormBody, any Error) throws -> Rendered
  ) async throws -> Response {
    try await acting(request, permission: permission, onRefusal: onRefusal) { visit, form in
      Response.redirect(to: try perform(visit, form), type: .normal)
    }
  }

  /// An act whose answer is a page of its own rather than a redirect: one that shows a secret
  /// once (a new API token), which must never stand in a URL or come back on a reload. Pages
  /// are never cached (`no-store`).
  func actShowing(
    _ request: Request, permission: Permission, _ perform: (Visit, FormBody) throws -> Rendered,
    onRefusal: (Visit, FormBody, any Error) throws -> Rendered
  ) async throws -> Response {
    try await acting(request, permission: permission, onRefusal: onRefusal) { visit, form in
      render(try perform(visit, form), visit: visit, language: visit.language)
    }
  }

  private func acting(
    _ request: Request, permission: Permission, onRefusal: (Visit, FormBody, any Error) throws -> Rendered,
    _ answer: (Visit, FormBody) throws -> Response
  ) async throws -> Response {
    let language = Self.language(of: request)
    guard (try? visitor(request, language: language, csrfToken: nil, changesState: false)) != nil else {
      return loginRedirect(request)
    }
    var form = FormBody()
    var visit: Visit
    do {
      form = try await FormBody.read(request) { try app.startUpload() }
      visit = try visitor(request, language: language, csrfToken: form["csrf"], changesState: true)
      try visit.caller.require(permission)
    } catch {
      return render(problemPage(error, language: language), visit: nil, language: language)
    }
    do {
      return try answer(visit, form)
    } catch {
      do {
        return render(try onRefusal(visit, form, error), visit: visit, language: language)
      } catch {
        return render(problemPage(error, language: language), visit: visit, language: language)
      }
    }
  }

  /// An evidence file as a download: named as it was added, never shown inline.
  func download(_ request: Request, id rawID: String) async throws -> Response {
    try await respond(request) { visit in
      try visit.caller.require(.readCases)
      let evidence = try app.evidence(try app.objectID(rawID))
      guard let reader = try app.heldFileReader(of: evidence) else {
        throw Failure(
          code: "evidence.file-not-held",
          message:
            "this node does not hold the file of \(evidence.id) yet (\(evidence.file)); it arrives with sync")
      }
      // A file found damaged on the way ends the download with an error, so that the browser
      // does not keep a copy that is not the evidence.
      return Self.fileDownload(
        reader.nextCheckedInBackground, size: Int(evidence.size), type: "application/octet-stream",
        name: evidence.fileName)
    }
  }

  /// A file as a download, named, never shown inline, streamed in pieces (never whole in
  /// memory); `finished` runs once it is sent or the client went.
  static func fileDownload(
    _ nextPiece: @escaping @Sendable () async throws -> Data?, size: Int, type: String, name: String,
    finished: @escaping @Sendable () -> Void = {}
  ) -> Response {
    var headers = securityHeaders
    headers[.contentType] = type
    headers[.contentDisposition] = attachment(name)
    headers[.contentLength] = "\(size)"
    let body = ResponseBody(contentLength: size) { writer in
      defer { finished() }
      while let piece = try await nextPiece() {
        try await writer.write(ByteBuffer(bytes: piece))
      }
      try await writer.finish(nil)
    }
    return Response(status: .ok, headers: headers, body: body)
  }

  /// `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266): an ASCII name for old
  /// clients, the real one (Chinese included) for the rest.
  static func attachment(_ name: String) -> String {
    let ascii = String(
      name.unicodeScalars.map {
        $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_"
      })
    let encoded =
      name.addingPercentEncoding(
        withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
      ?? ascii
    return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
  }
}

/// A lead as a row of a list, and as the facts of its page, in the visitor's language.
struct LeadRow {
  let lead: LeadView
  let language: Language

  init(_ lead: LeadView, _ language: Language) {
    self.lead = lead
    self.language = language
  }

  var values: [String: Any] {
    [
      "id": lead.id, "summary": Shown.text(String(lead.summary.prefix(120))),
      "subject": Shown.text(lead.subjects.map(\.name).joined(separator: "、")),
      "state": language.label(lead.state.rawValue), "risk": language.label(lead.risk.rawValue),
      "origin": lead.origin, "created": Shown.chinaTime(lead.created),
    ]
  }

  var details: [String: Any] {
    var values = values
    values["summary"] = Shown.text(lead.summary)
    values["owner"] = lead.owner
    values["audience"] = lead.audience
    values["violations"] = lead.violations.map { language.label($0.rawValue) }.joined(separator: "、")
    values["subjects"] = lead.subjects.map { subject -> [String: Any] in
      var row: [String: Any] = [
        "name": Shown.text(subject.name), "kind": language.label(subject.kind.rawValue),
      ]
      row["uscc"] = Shown.optional(subject.uscc)
      row["division"] = Shown.optional(subject.registeredDivision ?? subject.businessDivision)
      row["platform"] = Shown.optional(subject.platform)
      row["shopID"] = Shown.optional(subject.shopID)
      row["url"] = Shown.optional(subject.url)
      return row
    }
    values["handling"] = lead.handling.map { handling -> [String: Any] in
      [
        "bureau": handling.bureau, "state": language.label(handling.state.rawValue),
        "outcome": handling.outcome.map { language.label($0.rawValue) } ?? "",
        "caseReference": Shown.text(handling.caseReference),
      ]
    }
    values["anyHandling"] = !lead.handling.isEmpty
    return values
  }
}
