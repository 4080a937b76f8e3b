import Foundation
import LiandongApp

/// The browser session's cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other sites'
/// pages do not send it), Secure over HTTPS, and no longer-lived than the session itself.
enum SessionCookie {
  static let name = "liandong_session"

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
    "\(name)=\(secret); Path=/; Max-Age=\(Int(NodeApp.sessionLifetime)); HttpOnly; SameSite=Strict"
      + (secure ? "; Secure" : "")
  }

  static func clearing(secure: Bool) -> String {
    "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
  }

  /// The value of our cookie in a `Cookie` header (`a=1; liandong_session=...`).
  static func value(in header: String?) -> String? {
    guard let header else { return nil }
    for pair in header.split(separator: ";") {
      let parts = pair.split(separator: "=", maxSplits: 1)
      if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
        return parts[1].trimmingCharacters(in: .whitespaces)
      }
    }
    return nil
  }
}
