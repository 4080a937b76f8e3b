import Foundation
import HTTPTypes
import Hummingbird
import LiandongApp

/// Logging in and out, and the language switch: the pages a person sees before, or around, the work.
extension ConsolePages {
  func loginForm(_ request: Request) -> Response {
    let language = Self.language(of: request)
    let next = Self.inside(FormBody.urlEncoded(request.uri.query ?? "")["next"]?.first)
    return render(
      Rendered(template: "login", title: language.phrase("loginTitle"), values: ["next": next]), visit: nil,
      language: language)
  }

  /// Checks the password with the API's rules (the same back-off), starts a session and goes on
  /// to the page asked for. A refusal shows the form again, with the account name kept.
  func login(_ request: Request) async throws -> Response {
    let language = Self.language(of: request)
    let form = FormBody(
      fields: FormBody.urlEncoded(String(buffer: try await request.body.collect(upTo: 16 * 1024))))
    let next = Self.inside(form["next"])
    do {
      let session = try app.login(account: form["account"] ?? "", password: form["password"] ?? "")
      var response = Response.redirect(to: next, type: .normal)
      response.headers[.setCookie] = BrowserCookie.setting(session.secret, secure: secureCookies)
      return response
    } catch {
      var headers = HTTPFields()
      if let later = error as? any RetryLater { headers[.retryAfter] = "\(later.retryAfter)" }
      var page = Rendered(
        template: "login", title: language.phrase("loginTitle"),
        values: ["next": next, "account": form["account"] ?? ""])
      page.problem = error
      page.status = later(error) ? .tooManyRequests : .unauthorized
      return render(page, visit: nil, language: language, headers: headers)
    }
  }

  private func later(_ error: any Error) -> Bool { error is any RetryLater }

  func logout(_ request: Request) async throws -> Response {
    let form = try await FormBody.read(request) { try app.startUpload() }
    // Only the session's own page may end it: another site cannot log a person out.
    if let secret = BrowserCookie.value(in: request.headers[.cookie]),
      (try? app.authenticate(session: secret, csrfToken: form["csrf"], changesState: true)) != nil
    {
      try app.logout(session: secret)
    }
    var response = Response.redirect(to: Console.root + "/login", type: .normal)
    response.headers[.setCookie] = BrowserCookie.clearing(secure: secureCookies)
    return response
  }

  func switchLanguage(_ request: Request) -> Response {
    let query = FormBody.urlEncoded(request.uri.query ?? "")
    let language = Language(rawValue: query["to"]?.first ?? "") ?? .zh
    var response = Response.redirect(to: Self.inside(query["back"]?.first), type: .normal)
    response.headers[.setCookie] =
      "\(Language.cookie)=\(language.rawValue); Path=/; Max-Age=31536000; SameSite=Lax"
      + (secureCookies ? "; Secure" : "")
    return response
  }
}
