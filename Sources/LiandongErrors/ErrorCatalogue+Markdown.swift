extension ErrorCatalogue {
  /// `Protocol/ERRORS.md`: the categories with their statuses, then every code. Printed by
  /// `liandong errors --markdown`; a test fails when the committed file differs.
  public static func markdown() -> String {
    var lines = [
      "# Error codes",
      "",
      "Every error Liandong reports has a stable code, a category, a message that says what was wrong,",
      "and a remedy that says what to do. The command line prints `error[CODE]: message` and",
      "`hint: remedy` on stderr and exits with the category's status; the HTTP API answers with the",
      "category's status and the same fields (RFC 9457 problem details). A refusal of this node's own",
      "change is reported as `local.` followed by the refusal's code, in the refusal's category.",
      "",
      "This file is printed by `liandong errors --markdown` (`scripts/generate-error-table`); a test",
      "fails when it differs from the table in `Sources/LiandongErrors/ErrorCatalogue.swift`.",
      "",
      "| category | exit status | HTTP status | what the caller can do |",
      "|---|---|---|---|",
    ]
    for category in ErrorCategory.allCases {
      lines.append(
        "| `\(category.rawValue)` | \(category.exitStatus) | \(category.httpStatus) | \(category.advice) |")
    }
    lines += ["", "| code | category | remedy |", "|---|---|---|"]
    for entry in entries {
      let remedy = entry.remedy.split(separator: "|", omittingEmptySubsequences: false).joined(
        separator: "\\|")
      lines.append(
        "| `\(entry.code)` | \(entry.category.rawValue)\(entry.internalOnly ? " (internal only)" : "") | \(remedy) |"
      )
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

extension ErrorCategory {
  /// One line for the table of categories.
  public var advice: String {
    switch self {
    case .invalidInput: "correct the request and try again"
    case .notFound: "check the name or ID; sync if it was made elsewhere"
    case .unauthenticated: "sign in again, or ask the node's operator for a new token"
    case .forbidden: "ask the node or person who has the right"
    case .conflict: "look at the current state; the act does not fit it"
    case .unavailable: "try again later, or fix what the message names"
    case .internal: "report it: a defect or damage"
    }
  }
}
