import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongStore
import Logging
import NIOCore

/// The officers' console: server-rendered pages and plain forms over the application layer,
/// served on the API's listener under `/console/`. It authenticates with the same browser
/// session as the API (`BrowserCookie`); every form carries the session's CSRF token.
public enum Console {
  public static let root = "/console"

  /// Whether `path` is the console's (the API's authentication leaves it to the console, which
  /// sends a person to the login page instead of answering 401).
  public static func owns(_ path: String) -> Bool {
    path == "/" || path == root || path.hasPrefix(root + "/")
  }

  /// Whether a request to `path` streams a file to disk (a new lead with its screenshot), so the
  /// small limit for text bodies does not apply.
  public static func streamsUpload(_ path: String) -> Bool {
    path == root + "/leads" || (path.hasPrefix(root + "/leads/") && path.hasSuffix("/evidence"))
  }

  public static func register(
    on router: Router<BasicRequestContext>, app: NodeApp, secureCookies: Bool, controls: NodeControls,
    logger: Logger = Logger(label: "liandong.console")
  ) {
    let pages = ConsolePages(app: app, secureCookies: secureCookies, controls: controls, logger: logger)
    router.get("/") { _, _ in Response.redirect(to: root + "/", type: .found) }
    router.get(RouterPath(root + "/assets/:name")) { _, context in
      pages.asset(context.parameters.get("name") ?? "")
    }
    router.get(RouterPath(root + "/login")) { request, _ in pages.loginForm(request) }
    router.post(RouterPath(root + "/login")) { request, _ in try await pages.login(request) }
    router.post(RouterPath(root + "/logout")) { request, _ in try await pages.logout(request) }
    router.get(RouterPath(root + "/language")) { request, _ in pages.switchLanguage(request) }
    router.get(RouterPath(root + "/")) { request, _ in
      try await pages.page(request) { try pages.worklist($0) }
    }
    router.get(RouterPath(root + "/due")) { request, _ in try await pages.page(request) { try pages.due($0) }
    }
    router.get(RouterPath(root + "/police")) { request, _ in
      try await pages.page(request) { try pages.policeTransfers($0) }
    }
    router.get(RouterPath(root + "/police/:id")) { request, context in
      let id = context.parameters.get("id") ?? ""
      return try await pages.page(request) { try pages.policeTransfer($0, id: id) }
    }
    router.post(RouterPath(root + "/police/:id/acts")) { request, context in
      try await pages.actOnPoliceTransfer(request, id: context.parameters.get("id") ?? "")
    }
    router.get(RouterPath(root + "/alerts")) { request, _ in
      try await pages.page(request) { try pages.alerts($0) }
    }
    router.post(RouterPath(root + "/alerts/notify")) { request, _ in try await pages.warnRegions(request) }
    router.get(RouterPath(root + "/node")) { request, _ in
      try await pages.page(request) { try pages.nodeStatus($0) }
    }
    router.post(RouterPath(root + "/node/forks")) { request, _ in try await pages.actOnForks(request) }
    router.post(RouterPath(root + "/node/peers")) { request, _ in try await pages.actOnPeers(request) }
    router.post(RouterPath(root + "/node/crl")) { request, _ in try await pages.installRevocationList(request)
    }
    router.post(RouterPath(root + "/node/backup")) { request, _ in try await pages.startBackup(request) }
    router.post(RouterPath(root + "/node/verify")) { request, _ in try await pages.startVerification(request)
    }
    router.get(RouterPath(root + "/doctor")) { request, _ in try await pages.doctor(request) }
    router.get(RouterPath(root + "/leads")) { request, _ in
      try await pages.page(request) { try pages.leads($0) }
    }
    router.get(RouterPath(root + "/leads/new")) { request, _ in
      try await pages.page(request) { try pages.newLeadForm($0) }
    }
    router.post(RouterPath(root + "/leads")) { request, _ in try await pages.createLead(request) }
    router.get(RouterPath(root + "/leads/:id")) { request, context in
      let id = context.parameters.get("id") ?? ""
      return try await pages.page(request) { try pages.lead($0, id: id) }
    }
    router.post(RouterPath(root + "/leads/:id/acts")) { request, context in
      try await pages.actOnLead(request, id: context.parameters.get("id") ?? "")
    }
    router.post(RouterPath(root + "/leads/:id/evidence")) { request, context in
      try await pages.addEvidence(request, id: context.parameters.get("id") ?? "")
    }
    router.get(RouterPath(root + "/leads/:id/bundle")) { request, context in
      try await pages.bundle(request, id: context.parameters.get("id") ?? "")
    }
    router.post(RouterPath(root + "/evidence/:id/share")) { request, context in
      try await pages.shareEvidence(request, id: context.parameters.get("id") ?? "")
    }
    router.post(RouterPath(root + "/leads/:id/requests")) { request, context in
      try await pages.requestAssistance(request, id: context.parameters.get("id") ?? "")
    }
    router.post(RouterPath(root + "/leads/:id/police")) { request, context in
      try await pages.reportToPolice(request, id: context.parameters.get("id") ?? "")
    }
    router.post(RouterPath(root + "/leads/:id/handoff")) { request, context in
      try await pages.handOff(request, id: context.parameters.get("id") ?? "")
    }
    router.get(RouterPath(root + "/handoffs")) { request, _ in
      try await pages.page(request) { try pages.handOffs($0) }
    }
    router.get(RouterPath(root + "/reach/:id")) { request, context in
      let id = context.parameters.get("id") ?? ""
      return try await pages.page(request) { try pages.reach($0, id: id) }
    }
    router.get(RouterPath(root + "/requests")) { request, _ in
      try await pages.page(request) { try pages.requests($0) }
    }
    router.get(RouterPath(root + "/requests/:id")) { request, context in
      let id = context.parameters.get("id") ?? ""
      return try await pages.page(request) { try pages.request($0, id: id) }
    }
    router.post(RouterPath(root + "/requests/:id/acts")) { request, context in
      try await pages.actOnRequest(request, id: context.parameters.get("id") ?? "")
    }
    router.get(RouterPath(root + "/accounts")) { request, _ in
      try await pages.page(request) { try pages.accounts($0) }
    }
    router.post(RouterPath(root + "/accounts")) { request, _ in try await pages.actOnAccounts(request) }
    router.post(RouterPath(root + "/accounts/tokens")) { request, _ in try await pages.issueToken(request) }
    router.get(RouterPath(root + "/report")) { request, _ in
      try await pages.page(request) { try pages.report($0) }
    }
    router.get(RouterPath(root + "/report.csv")) { request, _ in try await pages.reportCSV(request) }
    router.get(RouterPath(root + "/evidence/:id/file")) { request, context in
      try await pages.download(request, id: context.parameters.get("id") ?? "")
    }
  }
}
