import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

struct OfficerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "officer",
    abstract: "The accounts of the people who use this node through its console and HTTP API.",
    discussion: """
      Roles: officer (records and acts on cases), supervisor (also approves), operator (runs the \
      node; sees no case content), auditor (reads everything, acts on nothing). Every change made \
      through the API names the account that made it. Accounts are this node's own; they are not synced.

      Example:
        liandong officer add li.wei --role officer
        liandong officer password li.wei
        liandong officer token li.wei --days 30 --label case-system
      """,
    subcommands: [
      OfficerAdd.self, OfficerList.self, OfficerPassword.self, OfficerToken.self, OfficerRevoke.self,
      OfficerDisable.self,
    ])
}

struct OfficerAdd: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The account's name: 2-64 of a-z, 0-9, '.', '_', '-' (e.g. li.wei).") var name: String
  @Option(help: ArgumentHelp("officer, supervisor, operator or auditor.", valueName: "role")) var role:
    String = OfficerRole.officer.rawValue

  func execute() throws {
    let account = try options.openApp().addAccount(name, role: try OfficerRole(canonical: role))
    if options.json { return try Output.json(account) }
    print(
      "added \(account.role) \(account.name); issue a token with 'liandong officer token \(account.name)'")
  }
}

struct OfficerList: NodeCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")
  @OptionGroup var options: NodeOptions

  func execute() throws {
    let accounts = try options.openApp().listAccounts()
    if options.json { return try Output.json(accounts) }
    guard !accounts.isEmpty else {
      return print("no accounts; add one with 'liandong officer add NAME --role ROLE'")
    }
    Output.table(
      ["ACCOUNT", "ROLE", "TOKENS", "SINCE", "DISABLED"],
      accounts.map { [$0.name, $0.role.rawValue, "\($0.activeTokens)", $0.createdAt, $0.disabledAt ?? "-"] })
  }
}

struct OfficerToken: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "token", abstract: "Issue an API token for an account; it is shown once, and stored hashed.",
    discussion: "Use it as 'Authorization: Bearer <token>'. Disabling the account revokes its tokens.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The account.") var name: String
  @Option(help: "How many days the token is valid (1-3650).") var days = 90
  @Option(help: "What the token is for, e.g. the case system's name.") var label = ""

  func execute() throws {
    let issued = try options.openApp().issueToken(for: name, days: days, label: label)
    if options.json { return try Output.json(issued) }
    print(issued.token)
    Output.error("token for \(issued.account), valid until \(issued.expiresAt); it is not shown again")
  }
}

struct OfficerDisable: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "disable", abstract: "Disable an account and revoke its tokens; what it signed stays signed."
  )
  @OptionGroup var options: NodeOptions
  @Argument(help: "The account.") var name: String

  func execute() throws {
    let account = try options.openApp().disableAccount(name)
    if options.json { return try Output.json(account) }
    print("disabled \(account.name) at \(account.disabledAt ?? "-")")
  }
}

struct OfficerRevoke: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "revoke",
    abstract: "Revoke every token of an account (one leaked, or a system retired); the account stays.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The account.") var name: String

  func execute() throws {
    let revoked = try options.openApp().revokeTokens(of: name)
    if options.json { return try Output.json(["account": name, "revoked": "\(revoked)"]) }
    print("revoked \(revoked) token(s) of \(name)")
  }
}

struct OfficerPassword: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "password",
    abstract: "Set an account's password for the console; its sessions end.",
    discussion: """
      On a terminal the password is asked for twice, without echo. Otherwise the first line of \
      standard input is the password, so a script never puts it on a command line:
        printf '%s\\n' "$PASSWORD" | liandong officer password li.wei
      Passwords have 10 or more characters and do not contain the account's name. Setting one \
      also lifts a wait after wrong passwords.
      """)
  @OptionGroup var options: NodeOptions
  @Argument(help: "The account.") var name: String

  func execute() throws {
    let app = try options.openApp()
    _ = try app.account(name)
    let password = try PasswordInput.read(for: name)
    try app.setPassword(of: name, to: password)
    if options.json { return try Output.json(["account": name, "password": "set"]) }
    print("set the password of \(name); its console sessions have ended")
  }
}
