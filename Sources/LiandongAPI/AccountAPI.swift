import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// Logins, sessions and the accounts an operator manages: adapters over `SessionActs` and
/// `AccountActs`, like every other operation.
extension NodeAPI {
  func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("account", body.account, 64), ("password", body.password, 1024)])
    let session = try app.login(account: body.account, password: body.password)
    SessionCookie.outgoing?.set(SessionCookie.setting(session.secret, secure: secureCookies))
    return .ok(
      .init(
        body: .json(
          .init(
            account: session.account, role: .init(rawValue: session.role.rawValue)!,
            csrfToken: session.csrfToken, expiresAt: session.expiresAt))))
  }

  func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
    if let secret = SessionCookie.current { try app.logout(session: secret) }
    SessionCookie.outgoing?.set(SessionCookie.clearing(secure: secureCookies))
    return .noContent(.init())
  }

  func changeOwnPassword(_ input: Operations.ChangeOwnPassword.Input) async throws
    -> Operations.ChangeOwnPassword.Output
  {
    let caller = try CurrentCaller.required()
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([
      ("currentPassword", body.currentPassword, 1024), ("newPassword", body.newPassword, 1024),
    ])
    try app.changePassword(of: caller, from: body.currentPassword, to: body.newPassword)
    return .noContent(.init())
  }

  func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
    try CurrentCaller.required().require(.manageAccounts)
    return .ok(.init(body: .json(try Transcode.value(try app.listAccounts()))))
  }

  func addAccount(_ input: Operations.AddAccount.Input) async throws -> Operations.AddAccount.Output {
    try CurrentCaller.required().require(.manageAccounts)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("name", body.name, 64)])
    let account = try app.addAccount(body.name, role: try OfficerRole(canonical: body.role.rawValue))
    return .created(.init(body: .json(try Transcode.value(account))))
  }

  func disableAccount(_ input: Operations.DisableAccount.Input) async throws
    -> Operations.DisableAccount.Output
  {
    try CurrentCaller.required().require(.manageAccounts)
    return .ok(.init(body: .json(try Transcode.value(try app.disableAccount(input.path.name)))))
  }

  func setAccountPassword(_ input: Operations.SetAccountPassword.Input) async throws
    -> Operations.SetAccountPassword.Output
  {
    try CurrentCaller.required().require(.manageAccounts)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("name", input.path.name, 64), ("password", body.password, 1024)])
    try app.setPassword(of: input.path.name, to: body.password)
    return .noContent(.init())
  }

  func issueToken(_ input: Operations.IssueToken.Input) async throws -> Operations.IssueToken.Output {
    try CurrentCaller.required().require(.manageAccounts)
    guard case .json(let body) = input.body else {
      throw Failure(code: "api.bad-request", message: "send JSON")
    }
    try SpecLength.check([("name", input.path.name, 64), ("label", body.label, 200)])
    let issued = try app.issueToken(for: input.path.name, days: body.days ?? 90, label: body.label ?? "")
    return .created(.init(body: .json(try Transcode.value(issued))))
  }

  func revokeTokens(_ input: Operations.RevokeTokens.Input) async throws -> Operations.RevokeTokens.Output {
    try CurrentCaller.required().require(.manageAccounts)
    let revoked = try app.revokeTokens(of: input.path.name)
    return .ok(.init(body: .json(.init(account: input.path.name, revoked: revoked))))
  }
}
