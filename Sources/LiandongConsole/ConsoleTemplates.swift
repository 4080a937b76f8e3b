import Foundation
import Mustache

/// The pages' templates, compiled into the binary (`Assets/`, embedded by the package manifest)
/// and parsed once. Mustache escapes every `{{value}}` for HTML; no template uses `{{{ }}}`.
enum ConsoleTemplates {
  static let library: MustacheLibrary = {
    var library = MustacheLibrary()
    let sources: [(String, [UInt8])] = [
      ("layout", PackageResources.layout_mustache), ("login", PackageResources.login_mustache),
      ("worklist", PackageResources.worklist_mustache), ("duetable", PackageResources.duetable_mustache),
      ("due", PackageResources.due_mustache), ("leads", PackageResources.leads_mustache),
      ("lead", PackageResources.lead_mustache), ("newlead", PackageResources.newlead_mustache),
      ("message", PackageResources.message_mustache), ("node", PackageResources.node_mustache),
      ("actforms", PackageResources.actforms_mustache), ("story", PackageResources.story_mustache),
      ("requests", PackageResources.requests_mustache), ("request", PackageResources.request_mustache),
      ("report", PackageResources.report_mustache), ("accounts", PackageResources.accounts_mustache),
      ("alerts", PackageResources.alerts_mustache), ("police", PackageResources.police_mustache),
      ("handoffs", PackageResources.handoffs_mustache), ("reach", PackageResources.reach_mustache),
      ("reachsummary", PackageResources.reachsummary_mustache),
      ("policesteps", PackageResources.policesteps_mustache),
      ("policetransfer", PackageResources.policetransfer_mustache),
      ("run", PackageResources.run_mustache), ("doctor", PackageResources.doctor_mustache),
    ]
    for (name, bytes) in sources {
      // A template that does not parse is a defect of this build, caught by every console test.
      do { try library.register(String(decoding: bytes, as: UTF8.self), named: name) } catch {
        preconditionFailure("the console's template \(name) does not parse: \(error)")
      }
    }
    return library
  }()

  /// The style sheet and the script, by the name a page links them with.
  static let assets: [String: (type: String, bytes: [UInt8])] = [
    "console.css": ("text/css; charset=utf-8", PackageResources.console_css),
    "console.js": ("text/javascript; charset=utf-8", PackageResources.console_js),
  ]
}
