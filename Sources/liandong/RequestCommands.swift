import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore

struct RequestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "request",
    abstract: "Assistance requests (协助调查): ask another bureau to investigate, and answer its requests.",
    discussion: """
      The requested bureau acknowledges, accepts, may notify one extension before the deadline, and \
      completes (with findings), completes partly, or declines with reasons. The requester may cancel, \
      and closes the request once it has an outcome. Deadline: 15 working days from receipt: the \
      first proof, by the requested node's own signature, that it held the request (its checkpoint \
      at the end of a sync, or its acknowledgement); from sending until then (see 'liandong due').

      If both bureaus act at once in ways that cannot both stand (a cancel while the other completes), \
      the request shows a conflict until one of them runs 'liandong request resolve'.
      """,
    subcommands: [
      RequestSend.self, RequestList.self, RequestShow.self, RequestAcknowledge.self, RequestAccept.self,
      RequestExtend.self, RequestComplete.self, RequestDecline.self, RequestCancel.self, RequestClose.self,
      RequestResolve.self,
    ])
}

struct RequestSend: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "send",
    abstract: "Send an assistance request to another bureau.",
    discussion: """
      Tasks: \(AssistanceTask.allCases.map(\.rawValue).joined(separator: ", ")).

      Example:
        liandong request send --to yrd --case "京市监案〔2026〕17号" \\
          --legal-basis "Art. 45" --task verify-registration \\
          --task obtain-records --details "shop 88231 on the platform"
      """)
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("The requested bureau's node ID.", valueName: "node")) var to: String
  @Option(name: .customLong("case"), help: "Your case reference.") var caseReference: String
  @Option(help: "The legal basis of the request.") var legalBasis: String
  @Option(help: ArgumentHelp("A task (repeat, or separate with commas).", valueName: "task")) var task:
    [String] = []
  @Option(help: "What exactly to do, and why.") var details = ""
  @Option(help: ArgumentHelp("An evidence item to attach (repeat).", valueName: "id")) var evidence:
    [String] = []
  @Option(help: ArgumentHelp("The completion date you ask for.", valueName: "YYYY-MM-DD")) var wantedBy:
    String?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let record = AssistanceRequestRecord(
      requested: try NodeID(to), caseReference: caseReference, legalBasis: legalBasis,
      tasks: try canonicalList(task, as: AssistanceTask.self), details: details,
      evidenceIDs: try evidence.map { try options.objectID($0) },
      wantedBy: try wantedBy.map { try CivilDate($0) })
    let view = try options.openApp().sendRequest(record, by: officer.person).view
    if options.json { return try Output.json(view) }
    print(view.id)
    Output.error("sent request \(view.id) to \(view.requested); it syncs with the next round")
  }
}

struct RequestList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the requests this node sent or received, with their deadlines.",
    discussion: """
      --search finds text in the case reference, the legal basis or the details. Dates are the \
      days in China the requests were sent, both included.

      Example:
        liandong request list --received --state sent --from 2026-11-01
      """)
  @OptionGroup var options: NodeOptions
  @OptionGroup var calendar: CalendarOption
  @Option(help: ArgumentHelp("Only requests in this state (sent, acknowledged, ...).", valueName: "state"))
  var state: String?
  @Flag(help: "Only the requests this node sent.") var sent = false
  @Flag(help: "Only the requests this node was asked.") var received = false
  @Option(help: ArgumentHelp("Only requests to or from this bureau.", valueName: "node")) var peer: String?
  @Option(
    help: ArgumentHelp("Only requests whose case, legal basis or details hold this text.", valueName: "text"))
  var search: String?
  @Option(help: ArgumentHelp("Only requests sent on or after this day (in China).", valueName: "YYYY-MM-DD"))
  var from: String?
  @Option(help: ArgumentHelp("Only requests sent on or before this day (in China).", valueName: "YYYY-MM-DD"))
  var to: String?

  func execute() throws {
    let app = try options.openApp()
    var query = RequestQuery()
    query.state = try state.map { try RequestState(canonical: $0) }
    guard !(sent && received) else {
      throw UsageError(
        code: "usage.arguments",
        message: "--sent and --received exclude each other: give one, or neither for both")
    }
    query.direction = sent ? .sent : received ? .received : nil
    query.peer = try peer.map { try NodeID($0).rawValue }
    query.text = search
    (query.from, query.to) = (try from.map { try CivilDate($0) }, try to.map { try CivilDate($0) })
    let requests = try app.requests(query)
    if options.json { return try Output.json(requests) }
    guard !requests.isEmpty else {
      guard query == RequestQuery() else { return print("no requests match") }
      return print("no requests yet; send one with 'liandong request send'")
    }
    let dues = try calendar.dueItems(app)
    Output.table(
      ["ID", "FROM", "TO", "STATE", "CASE", "DEADLINE", "LEFT"],
      requests.map { request in
        let due = dues.first { $0.id == request.id }
        return [
          request.id, request.requester, request.requested, request.state.rawValue, request.caseReference,
          due?.deadline?.description ?? "-", due?.left ?? "-",
        ]
      })
  }
}

struct RequestShow: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one request in full.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String

  func execute() throws {
    let view = try options.openApp().request(try options.objectID(id))
    if options.json { return try Output.json(view) }
    var lines: [(String, String)] = [
      ("request", view.id), ("from", "\(view.requester) (\(view.createdBy)), sent \(view.sentOn)"),
      ("to", view.requested), ("state", view.state.rawValue), ("case", view.caseReference),
      ("legal basis", view.legalBasis),
      ("tasks", view.tasks.joined(separator: ", ")), ("details", view.details.isEmpty ? "-" : view.details),
      ("acknowledged", view.acknowledgedOn?.description ?? "not yet"),
    ]
    if let wanted = view.wantedBy { lines.append(("wanted by", wanted)) }
    if !view.evidence.isEmpty { lines.append(("evidence", view.evidence.joined(separator: ", "))) }
    if let days = view.extensionWorkingDays {
      lines.append(("extension", "\(days) working days: \(view.extensionReason ?? "")"))
    }
    if let findings = view.findings { lines.append(("findings", findings)) }
    if !view.outcomeEvidence.isEmpty {
      lines.append(("their evidence", view.outcomeEvidence.joined(separator: ", ")))
    }
    if let reason = view.reason { lines.append(("reason", reason)) }
    if let conflict = view.conflict {
      lines.append(("CONFLICT", conflict))
      lines.append(("", "resolve with: liandong request resolve \(view.id) --keep OPERATION"))
    }
    lines.append(("last operation", view.head))
    for (label, value) in lines {
      print("\(label.padding(toLength: 15, withPad: " ", startingAt: 0)) \(value)")
    }
  }
}

extension RequestAct {
  /// Signs the act through the application layer (which checks the party and, for an
  /// extension, the deadline) and prints the request's new state.
  func perform(
    on id: String, options: NodeOptions, officer: OfficerOption, calendar: CalendarOption? = nil
  ) throws {
    let app = try options.openApp()
    let after = try app.act(
      onRequest: try app.objectID(id), self, by: officer.person,
      calendar: try calendar?.load(app) ?? .builtIn,
      today: try calendar?.explicitDay()
    ).view
    if options.json { return try Output.json(after) }
    print("request \(after.id): \(after.state)")
  }
}

struct RequestAcknowledge: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "acknowledge",
    abstract:
      "Confirm receipt (the requested bureau); the 15 working days run from it, or from this node's earlier proof of holding the request."
  )
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try RequestAct.acknowledge.perform(on: id, options: options, officer: officer) }
}

struct RequestAccept: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "accept", abstract: "Take the request on (the requested bureau): it is in progress.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try RequestAct.accept.perform(on: id, options: options, officer: officer) }
}

struct RequestExtend: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "extend",
    abstract: "Notify an extension (the requested bureau): once, and only before the deadline.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @Option(help: "How many working days more (1-30).") var workingDays: Int
  @Option(help: "Why the extension is needed.") var reason: String
  @OptionGroup var calendar: CalendarOption
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    try RequestAct.extend(workingDays: workingDays, reason: reason, deadline: nil).perform(
      on: id, options: options, officer: officer, calendar: calendar)
  }
}

struct RequestComplete: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "complete", abstract: "Report the findings (the requested bureau), fully or in part.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @Option(help: "What was found.") var findings: String
  @Option(help: ArgumentHelp("An evidence item supporting the findings (repeat).", valueName: "id"))
  var evidence: [String] = []
  @Flag(help: "Only part of the tasks could be done (say why in the findings).") var partly = false
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let ids = try evidence.map { try options.objectID($0) }
    let act: RequestAct =
      partly
      ? .completePartly(findings: findings, evidenceIDs: ids)
      : .complete(findings: findings, evidenceIDs: ids)
    try act.perform(on: id, options: options, officer: officer)
  }
}

struct RequestDecline: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "decline", abstract: "Decline the request with reasons (the requested bureau).")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @Option(help: "Why.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try RequestAct.decline(reason: reason).perform(on: id, options: options, officer: officer)
  }
}

struct RequestCancel: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "cancel", abstract: "Withdraw the request (the requester), with a reason.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @Option(help: "Why.") var reason: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try RequestAct.cancel(reason: reason).perform(on: id, options: options, officer: officer)
  }
}

struct RequestClose: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "close", abstract: "Close a request that has an outcome (the requester).")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @OptionGroup var officer: OfficerOption
  func execute() throws { try RequestAct.close.perform(on: id, options: options, officer: officer) }
}

struct RequestResolve: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "resolve",
    abstract: "Resolve a conflict (either party): name the act that stands; the other becomes void.",
    discussion: "'liandong request show ID' lists the conflicting acts as act@OPERATION.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The request's ID.") var id: String
  @Option(help: ArgumentHelp("The operation that stands.", valueName: "operation")) var keep: String
  @OptionGroup var officer: OfficerOption
  func execute() throws {
    try RequestAct.resolve(keep: try OperationRef(keep)).perform(on: id, options: options, officer: officer)
  }
}
