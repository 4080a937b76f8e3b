import Foundation

/// The browser session's cookie, shared by the API and the console: HttpOnly (scripts cannot
/// read it), SameSite=Strict (other sites' pages do not send it), Secure over HTTPS, and no
/// longer-lived than the session itself.
public enum BrowserCookie {
  public static let session = "liandong_session"

  public static func setting(_ secret: String, secure: Bool) -> String {
    "\(session)=\(secret); Path=/; Max-Age=\(Int(NodeApp.sessionLifetime)); HttpOnly; SameSite=Strict"
      + (secure ? "; Secure" : "")
  }

  public static func clearing(secure: Bool) -> String {
    "\(session)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
  }

  /// The value of the cookie `name` in a `Cookie` header (`a=1; liandong_session=...`).
  public static func value(of name: String = session, in header: String?) -> String? {
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
