import Foundation
import LiandongApp
import LiandongCore
import Testing

@testable import LiandongAPI

/// Every route of the spec against every kind of caller: no credentials, an expired, a revoked
/// token, a disabled account's, and each role's. 401 and 403 exactly where the roles say.
@Suite("The API's authorization matrix", .serialized)
struct AuthorizationMatrixTests {
  /// What each route needs; nil for a route that needs no credentials.
  static let needs: [String: Permission?] = [
    "GET /healthz": nil, "GET /readyz": nil, "GET /metrics": nil,  // metrics: open on loopback
    "POST /v1/session": nil, "DELETE /v1/session": nil,
    "GET /v1/whoami": .readNode, "POST /v1/whoami/password": .readNode, "GET /v1/status": .readNode,
    "GET /v1/peers": .readNode, "GET /v1/events": .readNode, "POST /v1/forks/keep": .operateNode,
    "GET /v1/accounts": .manageAccounts, "POST /v1/accounts": .manageAccounts,
    "POST /v1/accounts/{name}/disable": .manageAccounts, "PUT /v1/accounts/{name}/password": .manageAccounts,
    "POST /v1/accounts/{name}/tokens": .manageAccounts, "DELETE /v1/accounts/{name}/tokens": .manageAccounts,
    "GET /v1/leads": .readCases, "GET /v1/leads/{id}": .readCases, "GET /v1/requests": .readCases,
    "GET /v1/requests/{id}": .readCases, "GET /v1/due": .readCases,
    "POST /v1/leads": .actOnCases, "POST /v1/leads/{id}/acts": .actOnCases,
    "POST /v1/requests/{id}/acts": .actOnCases, "POST /v1/requests": .actOnCases,
    "POST /v1/leads/{id}/evidence": .actOnCases,
    "GET /v1/evidence/{id}": .readCases, "GET /v1/evidence/{id}/file": .readCases,
    "GET /v1/objects/{id}/history": .readCases,
    "GET /v1/objects/{id}/reach": .readCases, "GET /v1/conflicts": .readCases, "GET /v1/alerts": .readCases,
    "GET /v1/report": .readCases, "GET /v1/report.csv": .readCases,
    "GET /v1/handoffs": .readCases, "POST /v1/leads/{id}/handoff": .actOnCases,
    "POST /v1/leads/{id}/handoff/share": .actOnCases, "GET /v1/police-transfers": .readCases,
    "POST /v1/police-transfers": .actOnCases, "GET /v1/police-transfers/{id}": .readCases,
    "POST /v1/police-transfers/{id}/acts": .actOnCases, "POST /v1/evidence/{id}/custody": .actOnCases,
    "POST /v1/evidence/{id}/share": .actOnCases, "GET /v1/objects/{id}/bundle": .readCases,
    "GET /v1/federation": .readNode, "GET /v1/doctor": .readNode, "GET /v1/verify": .readNode,
    "POST /v1/verify": .operateNode, "PUT /v1/peers/{node}": .operateNode,
    "DELETE /v1/peers/{node}": .operateNode, "POST /v1/crl": .operateNode, "GET /v1/backup": .readNode,
    "POST /v1/backup": .operateNode,
  ]

  /// A request body that decodes, so that what answers is the authorization, not the parser.
  static let bodies: [String: String] = [
    "POST /v1/session": #"{"account": "nobody", "password": "wrong"}"#,
    "POST /v1/whoami/password": #"{"currentPassword": "wrong", "newPassword": "雨后春笋 spring rain"}"#,
    "POST /v1/accounts": #"{"name": "new.person", "role": "auditor"}"#,
    "PUT /v1/accounts/{name}/password": #"{"password": "雨后春笋 spring rain"}"#,
    "POST /v1/accounts/{name}/tokens": #"{"days": 1}"#, "POST /v1/leads": HTTPAPITests.lead,
    "POST /v1/leads/{id}/acts": #"{"act": "acknowledge"}"#,
    "POST /v1/requests/{id}/acts": #"{"act": "acknowledge"}"#,
    "POST /v1/requests":
      #"{"to": "yrd", "caseReference": "京市监案〔2026〕9号", "legalBasis": "第十一条", "tasks": ["interview"]}"#,
    "POST /v1/leads/{id}/evidence": "a file's bytes", "POST /v1/forks/keep": #"{"change": "0123456789ab"}"#,
    "POST /v1/leads/{id}/handoff": #"{"act": "withdraw", "reason": "sent to the wrong bureau"}"#,
    "POST /v1/leads/{id}/handoff/share": "{}",
    "POST /v1/police-transfers": """
    {"caseID": "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11", "police": "浦东分局",
     "letter": "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e12", "investigationReport": "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e13",
     "itemsList": "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e14"}
    """,
    "POST /v1/police-transfers/{id}/acts": #"{"step": "close"}"#,
    "POST /v1/evidence/{id}/custody": #"{"event": "sealed"}"#,
    "POST /v1/evidence/{id}/share": #"{"to": "yrd"}"#,
    "PUT /v1/peers/{node}": #"{"address": "127.0.0.1:9"}"#, "POST /v1/crl": "not a CRL",
  ]

  @Test("the matrix covers every route of the spec")
  func coversEveryRoute() {
    let routes = Set(APIServer.routes.flatMap { route in route.methods.map { "\($0) \(route.path)" } })
    #expect(routes == Set(Self.needs.keys))
  }

  @Test(
    "every route × no credentials, expired, revoked, disabled, and each role: 401, 403 or allowed as the roles say"
  )
  func matrix() async throws {
    let federation = try TestFederation(label: "api-matrix", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    var tokens: [OfficerRole: String] = [:]
    for role in OfficerRole.allCases {
      tokens[role] = try await jjj.token("a.\(role.rawValue)", role: role.rawValue)
    }
    let revoked = try await jjj.token("r.revoked", role: "officer")
    #expect(try await jjj.cli("officer", "revoke", "r.revoked").status == 0)
    let disabled = try await jjj.token("d.disabled", role: "operator")
    #expect(try await jjj.cli("officer", "disable", "d.disabled").status == 0)
    _ = try await jjj.cli("officer", "add", "e.expired", "--role", "supervisor")
    jjj.clockOffset = "-2d"
    let expired = try await jjj.cli("officer", "token", "e.expired", "--days", "1").stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    jjj.clockOffset = nil
    let base = try await jjj.serveAPI()
    defer { _ = jjj.stop() }

    func call(_ route: String, token: String?) throws -> HTTPReply {
      let (method, template) = (
        String(route.split(separator: " ")[0]), String(route.split(separator: " ")[1])
      )
      let path = template.replacingOccurrences(of: "{id}", with: "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11")
        .replacingOccurrences(of: "{name}", with: "no.such").replacingOccurrences(of: "{node}", with: "yrd")
      let upload = template == "/v1/leads/{id}/evidence"
      let query = path == "/v1/events" ? "?seconds=1" : upload ? "?category=documentary&fileName=a.txt" : ""
      return try curl(
        method, base + path + query, token: token, json: Self.bodies[route],
        contentType: upload
          ? "application/octet-stream" : template == "/v1/crl" ? "text/plain" : "application/json")
    }
    for (route, permission) in Self.needs.sorted(by: { $0.key < $1.key }) {
      guard let permission else {
        // Open: it asks for no credentials (a login with a wrong password is still refused, as such).
        let reply = try call(route, token: nil)
        #expect(reply.code != "auth.no-token" && reply.status != 403, "\(route) is open: \(reply)")
        continue
      }
      #expect(try call(route, token: nil).isProblem(401, "auth.no-token"), "\(route)")
      #expect(try call(route, token: expired).isProblem(401, "auth.token-expired"), "\(route)")
      #expect(try call(route, token: revoked).isProblem(401, "auth.token-revoked"), "\(route)")
      #expect(try call(route, token: disabled).isProblem(401, "auth.account-disabled"), "\(route)")
      for role in OfficerRole.allCases {
        let reply = try call(route, token: tokens[role])
        if role.may(permission) {
          // Allowed: whatever the act's own answer (404 for the made-up ID), never 401, and 403
          // only for the one route whose 403 is a wrong current password.
          #expect(
            reply.status != 401 && (reply.status != 403 || reply.code == "auth.wrong-password"),
            "\(route) as \(role): \(reply)")
        } else {
          #expect(reply.isProblem(403, "auth.not-permitted"), "\(route) as \(role): \(reply)")
        }
      }
    }
    #expect(!jjj.log.contains("internal.unexpected"))
  }
}
