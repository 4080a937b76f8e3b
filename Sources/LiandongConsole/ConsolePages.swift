import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongStore
import Logging
import Mustache
import NIOCore

/// The console's handlers: each reads a person's request, calls the application layer, and
/// renders a page. Nothing here decides what the rules allow.
struct ConsolePages: Sendable {
  let app: NodeApp
  let secureCookies: Bool
  /// What the running node does for its operator: backups and verification in the background,
  /// doctor, a new CRL in force at once. Shared with the API.
  let controls: NodeControls
  /// serve's log: a page that failed for a reason of the node's own (category `internal`) is
  /// logged for the operator, as the API's problem middleware logs a failed request.
  let logger: Logger

  /// One authenticated request as a page sees it.
  struct Visit {
    var caller: Caller
    var language: Language
    /// The path and query asked for, to come back to after logging in or switching language.
    var here: String
    var query: [String: [String]]

    func query(_ name: String) -> String? {
      guard let value = query[name]?.first?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
        return nil
      }
      return value
    }
  }

  /// What a handler wants shown: a template, its title and its values.
  struct Rendered {
    var template: String
    var title: String
    var values: [String: Any] = [:]
    /// Pages that follow the event stream (`data-live`): the worklist, the board, leads, requests.
    var live = false
    var status: HTTPResponse.Status = .ok
    var notice: String? = nil
    var problem: (any Error)? = nil
  }

  /// A page for a signed-in person; anyone else is sent to the login page, and back here after.
  func page(_ request: Request, _ build: (Visit) throws -> Rendered) async throws -> Response {
    let language = Self.language(of: request)
    let visit: Visit
    do {
      visit = try visitor(request, language: language, csrfToken: nil, changesState: false)
    } catch {
      return loginRedirect(request)
    }
    do {
      return render(try build(visit), visit: visit, language: language)
    } catch {
      return render(problemPage(error, language: language), visit: visit, language: language)
    }
  }

  /// A response that is not a page (a download) for a signed-in person; a refusal is a page.
  func respond(_ request: Request, _ build: (Visit) throws -> Response) async throws -> Response {
    let language = Self.language(of: request)
    guard let visit = try? visitor(request, language: language, csrfToken: nil, changesState: false) else {
      return loginRedirect(request)
    }
    do { return try build(visit) } catch {
      return render(problemPage(error, language: language), visit: visit, language: language)
    }
  }

  /// The caller of a request that carries the session cookie (and, for an act, its CSRF token).
  func visitor(_ request: Request, language: Language, csrfToken: String?, changesState: Bool) throws -> Visit
  {
    guard let secret = BrowserCookie.value(in: request.headers[.cookie]) else {
      throw Failure(code: "auth.no-session", message: "log in first")
    }
    let caller = try app.authenticate(session: secret, csrfToken: csrfToken, changesState: changesState)
    let query = FormBody.urlEncoded(request.uri.query ?? "")
    return Visit(caller: caller, language: language, here: Self.here(request), query: query)
  }

  /// To the login page, and back to the page asked for afterwards (after a form, to the worklist:
  /// a form's address is not a page).
  func loginRedirect(_ request: Request) -> Response {
    let back = request.method == .get ? Self.here(request) : Console.root + "/"
    return Response.redirect(to: "\(Console.root)/login?next=\(Self.encoded(back))", type: .normal)
  }

  /// An error as a page: its message and remedy, with the HTTP status of its category.
  func problemPage(_ error: any Error, language: Language) -> Rendered {
    let failure = Failure(error)
    // An object this node holds only as a stub looks, from here, like one that does not exist.
    let hint = failure.code == "object.not-found" ? ["text": language.phrase("notFoundHint")] : [:]
    return Rendered(
      template: "message", title: language.phrase("problemTitle"), values: hint,
      status: HTTPResponse.Status(code: failure.category.httpStatus), problem: error)
  }

  /// `page` again, showing why the act was refused, with the status of the refusal's category.
  func refused(_ page: Rendered, _ error: any Error) -> Rendered {
    var page = page
    page.problem = error
    page.notice = nil
    page.status = HTTPResponse.Status(code: Failure(error).category.httpStatus)
    return page
  }

  /// The page as HTML, inside the layout, with what every page shows.
  func render(_ rendered: Rendered, visit: Visit?, language: Language, headers extra: HTTPFields = [:])
    -> Response
  {
    var context = rendered.values
    context["lang"] = language.rawValue
    context["t"] = language.phrases
    context["nodeName"] = app.node.rawValue
    context["title"] = rendered.title
    context["otherLanguage"] = language.other.rawValue
    context["here"] = Self.encoded(visit?.here ?? "\(Console.root)/")
    if rendered.live { context["live"] = "events" }
    if let notice = rendered.notice { context["notice"] = notice }
    if let error = rendered.problem {
      let failure = Failure(error)
      // In Chinese: what kind of refusal and what to do; the node's own words, which name the
      // values involved, beneath as the detail.
      context["problem"] =
        language == .zh
        ? [
          "message": ErrorPhrases.heading(failure.category),
          "remedy": ErrorPhrases.remedies[failure.code] ?? failure.remedy, "detail": failure.message,
          "code": failure.code,
        ]
        : ["message": failure.message, "remedy": failure.remedy, "code": failure.code]
      if failure.category == .internal {
        logger.error(
          "console page failed",
          metadata: [
            "path": "\(visit?.here ?? "-")", "code": "\(failure.code)",
            "account": "\(visit?.caller.account ?? "-")",
          ])
      }
    }
    if let caller = visit?.caller {
      context["caller"] = [
        "account": caller.account, "roleName": language.phrase("role:\(caller.role.rawValue)"),
        "csrf": caller.csrfToken ?? "", "readsCases": caller.may(.readCases),
        "actsOnCases": caller.may(.actOnCases), "readsNode": caller.may(.readNode),
        "managesAccounts": caller.may(.manageAccounts),
      ]
      context["csrf"] = caller.csrfToken ?? ""
    }
    let html = ConsoleTemplates.library.render(context, withTemplate: rendered.template) ?? ""
    var headers = Self.securityHeaders
    headers[.contentType] = "text/html; charset=utf-8"
    headers.append(contentsOf: extra)
    return Response(
      status: rendered.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
  }

  /// Pages show case content: never cached, never framed, and nothing runs but our own script.
  static let securityHeaders: HTTPFields = [
    .contentSecurityPolicy:
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    .xContentTypeOptions: "nosniff",
    .cacheControl: "no-store",
    HTTPField.Name("Referrer-Policy")!: "same-origin",
    HTTPField.Name("X-Frame-Options")!: "DENY",
  ]

  func asset(_ name: String) -> Response {
    guard let asset = ConsoleTemplates.assets[name] else { return Response(status: .notFound) }
    return Response(
      status: .ok,
      headers: [.contentType: asset.type, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff"],
      body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
  }

  static func language(of request: Request) -> Language {
    Language(cookie: BrowserCookie.value(of: Language.cookie, in: request.headers[.cookie]))
  }

  /// The path and query of the request.
  static func here(_ request: Request) -> String {
    request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
  }

  /// A place inside the console to go back to; anything else (another site, `//host`) is the worklist.
  static func inside(_ target: String?) -> String {
    guard let target, target.hasPrefix(Console.root + "/"), !target.contains("//"), !target.contains("\\"),
      !target.unicodeScalars.contains(where: { $0.value < 0x20 })
    else { return Console.root + "/" }
    return target
  }

  static func encoded(_ text: String) -> String {
    text.addingPercentEncoding(
      withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/")))
      ?? ""
  }

  /// A choice list's options: each canonical value, its name in `language`, whether chosen.
  static func options(_ values: [String], selected: Set<String>, _ language: Language) -> [[String: Any]] {
    values.map { ["value": $0, "name": language.label($0), "selected": selected.contains($0)] }
  }
}
