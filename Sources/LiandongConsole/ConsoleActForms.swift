import Foundation
import LiandongApp
import LiandongCore

/// One act as a plain form: where it posts, what it is called, and the fields it asks for.
struct ActForm {
  enum Input { case line, textarea, number, select([String]) }
  struct Field {
    var name: String
    var label: String
    var input: Input
    var required: Bool
  }

  var act: String
  var action: String
  var fields: [Field]

  func values(_ language: Language) -> [String: Any] {
    [
      "act": act, "action": action, "title": language.phrase("act:\(act)"),
      "fields": fields.map { field -> [String: Any] in
        var values: [String: Any] = [
          "id": "\(act)-\(field.name)", "field": field.name, "label": language.phrase(field.label),
          "required": field.required,
        ]
        switch field.input {
        case .line: values["line"] = true
        case .textarea: values["textarea"] = true
        case .number: values["number"] = true
        case .select(let options):
          values["select"] = true
          values["options"] = options.map { ["value": $0, "name": language.label($0)] }
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
}
