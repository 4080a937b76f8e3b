import Foundation
import LiandongApp
import LiandongCore

/// One act as a plain form: where it posts, what it is called, and the fields it asks for.
struct ActForm {
  /// A choice whose name is already in the visitor's language (a bureau, an evidence file).
  struct Choice {
    var value: String
    var name: String
  }
  enum Input {
    case line, textarea, number, date
    /// One of canonical values, named in the visitor's language; any of them, as checkboxes.
    case select([String]), selectAny([String])
    /// One of `Choice`s; any of them, as checkboxes.
    case choose([Choice]), chooseAny([Choice])
  }
  struct Field {
    var name: String
    var label: String
    var input: Input
    var required: Bool
    /// What the field holds when the form is first shown.
    var initial: String = ""
  }

  var act: String
  var action: String
  var fields: [Field]

  /// The form's values for the `actforms` template. `typed` is what the officer posted when the
  /// act was refused: this form shows it again, so nothing typed is lost.
  func values(_ language: Language, typed: FormBody? = nil) -> [String: Any] {
    let typed = typed.flatMap { $0["act"] == act ? $0 : nil }
    return [
      "act": act, "action": action, "title": language.phrase("act:\(act)"), "hasFields": !fields.isEmpty,
      "fields": fields.map { field -> [String: Any] in
        let chosen = Set(typed?.all(field.name) ?? [field.initial])
        var values: [String: Any] = [
          "id": "\(act)-\(field.name)", "field": field.name, "label": language.phrase(field.label),
          "required": field.required, "value": typed?[field.name] ?? field.initial,
        ]
        func options(_ choices: [Choice]) -> [[String: Any]] {
          choices.map { ["value": $0.value, "name": $0.name, "chosen": chosen.contains($0.value)] }
        }
        switch field.input {
        case .line: values["line"] = true
        case .textarea: values["textarea"] = true
        case .number: values["number"] = true
        case .date: values["date"] = true
        case .select(let canonical), .selectAny(let canonical):
          values["options"] = options(canonical.map { Choice(value: $0, name: language.label($0)) })
        case .choose(let choices), .chooseAny(let choices):
          values["options"] = options(choices)
        }
        switch field.input {
        case .select: values["select"] = true
        case .choose:
          // Nothing chosen until the officer chooses: a default document or bureau is too
          // easily sent by mistake.
          values["select"] = true
          values["placeholder"] = true
        case .selectAny, .chooseAny: values["checks"] = true
        default: break
        }
        return values
      },
    ]
  }

  /// The form of each lead act the page offers.
  static func lead(_ act: String, id: String) -> ActForm {
    let fields: [Field] =
      switch act {
      case "decide":
        [
          Field(
            name: "outcome", label: "outcome", input: .select(LeadOutcome.allCases.map(\.rawValue)),
            required: true),
          Field(name: "caseReference", label: "caseReference", input: .line, required: false),
          Field(name: "note", label: "note", input: .textarea, required: false),
        ]
      case "extend": [Field(name: "reason", label: "reason", input: .textarea, required: true)]
      case "withdraw": [Field(name: "note", label: "note", input: .textarea, required: false)]
      case "merge": [Field(name: "into", label: "into", input: .line, required: true)]
      default: []
      }
    return ActForm(act: act, action: "\(Console.root)/leads/\(id)/acts", fields: fields)
  }

  /// The form of each request act the page offers.
  static func request(_ act: String, id: String) -> ActForm {
    let fields: [Field] =
      switch act {
      case "extend":
        [
          Field(name: "workingDays", label: "workingDays", input: .number, required: true),
          Field(name: "reason", label: "reason", input: .textarea, required: true),
        ]
      case "complete", "complete-partly":
        [Field(name: "findings", label: "findings", input: .textarea, required: true)]
      case "decline", "cancel": [Field(name: "reason", label: "reason", input: .textarea, required: true)]
      default: []
      }
    return ActForm(act: act, action: "\(Console.root)/requests/\(id)/acts", fields: fields)
  }

  /// The form of each hand-off act the case's page offers; `peers` are the bureaus it may go to.
  static func handOff(_ act: String, id: String, peers: [String]) -> ActForm {
    let fields: [Field] =
      switch act {
      case "offer":
        [
          Field(name: "to", label: "handOffTo", input: .select(peers), required: true),
          Field(name: "letter", label: "letter", input: .textarea, required: true),
        ]
      case "object", "withdraw": [Field(name: "reason", label: "reason", input: .textarea, required: true)]
      default: []
      }
    return ActForm(act: "handoff-\(act)", action: "\(Console.root)/leads/\(id)/handoff", fields: fields)
  }

  /// Asking another bureau for assistance (委托调查) on this case: the request goes to one bureau
  /// with the tasks, the legal basis and, if chosen, evidence of the case.
  static func assistanceRequest(
    lead id: String, peers: [String], evidence: [Choice], caseReference: String
  ) -> ActForm {
    ActForm(
      act: "request-send", action: "\(Console.root)/leads/\(id)/requests",
      fields: [
        Field(
          name: "to", label: "requestTo", input: .choose(peers.map { Choice(value: $0, name: $0) }),
          required: true),
        Field(
          name: "caseReference", label: "caseReference", input: .line, required: true, initial: caseReference),
        Field(name: "legalBasis", label: "legalBasis", input: .textarea, required: true),
        Field(
          name: "tasks", label: "tasks", input: .selectAny(AssistanceTask.allCases.map(\.rawValue)),
          required: true),
        Field(name: "details", label: "details", input: .textarea, required: false),
        Field(name: "evidence", label: "attachEvidence", input: .chooseAny(evidence), required: false),
        Field(name: "wantedBy", label: "wantedBy", input: .date, required: false),
      ].filter { field in
        // A case with no evidence has none to attach.
        if case .chooseAny(let choices) = field.input { return !choices.isEmpty }
        return true
      })
  }

  /// The team's report that the case should go to the police (行刑衔接), with its package: each
  /// document one of the case's evidence items.
  static func policeTransfer(lead id: String, evidence: [Choice]) -> ActForm {
    ActForm(
      act: "police-create", action: "\(Console.root)/leads/\(id)/police",
      fields: [
        Field(name: "police", label: "policeOffice", input: .line, required: true),
        Field(name: "letter", label: "transferLetter", input: .choose(evidence), required: true),
        Field(
          name: "investigationReport", label: "investigationReport", input: .choose(evidence), required: true),
        Field(name: "itemsList", label: "itemsList", input: .choose(evidence), required: true),
        Field(name: "testReports", label: "testReports", input: .chooseAny(evidence), required: false),
        Field(name: "reportedOn", label: "reportedOn", input: .date, required: false),
      ])
  }
}
