import Foundation
import LiandongApp

/// The browser session's cookie (`BrowserCookie`) as the API's handlers read and set it.
enum SessionCookie {
  /// The session secret the request's Cookie header carries, if any.
  @TaskLocal static var current: String?

  /// The Set-Cookie a handler wants on its response. The generated code would percent-encode a
  /// header value (`=` and `;` included), which no browser reads as a cookie, so the
  /// authentication middleware writes it as it is.
  final class Outgoing: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ cookie: String) { lock.withLock { value = cookie } }
    var cookie: String? { lock.withLock { value } }
  }
  @TaskLocal static var outgoing: Outgoing?

  static func setting(_ secret: String, secure: Bool) -> String {
    BrowserCookie.setting(secret, secure: secure)
  }

  static func clearing(secure: Bool) -> String { BrowserCookie.clearing(secure: secure) }

  /// The value of our cookie in a `Cookie` header (`a=1; liandong_session=...`).
  static func value(in header: String?) -> String? { BrowserCookie.value(in: header) }
}
