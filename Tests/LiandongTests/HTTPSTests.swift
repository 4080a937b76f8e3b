import Foundation
import LiandongTesting
import Testing

/// The API over HTTPS through the node's own OpenSSL handler, checked by clients nobody here
/// wrote: `curl` (which verifies the chain and the host name) and `openssl s_client`.
@Suite("The HTTP API over HTTPS", .serialized)
struct HTTPSTests {
  @Test(
    "by default the API speaks HTTPS with the node's certificate; curl verifies it and a session cookie is Secure"
  )
  func nodeCertificate() async throws {
    let federation = try TestFederation(label: "api-https", nodes: [])
    try federation.issue("jjj", hosts: ["127.0.0.1", "localhost"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let officer = try await jjj.token("li.wei", role: "officer")
    _ = try jjj.setPassword("li.wei", "雨后春笋 spring rain")
    let base = try await jjj.serveAPI(https: true)
    defer { _ = jjj.stop() }
    #expect(base.hasPrefix("https://127.0.0.1:"), "\(base)")
    let trusted = ["--cacert", federation.caURL.path]

    let health = try curl("GET", base + "/healthz", options: trusted)
    #expect(health.status == 200, "\(health)")
    let created = try curl(
      "POST", base + "/v1/leads", token: officer, json: HTTPAPITests.lead, options: trusted)
    #expect(created.status == 201, "\(created)")
    let login = try curl(
      "POST", base + "/v1/session", json: #"{"account": "li.wei", "password": "雨后春笋 spring rain"}"#,
      options: trusted)
    #expect(login.sessionCookie?.attributes.hasSuffix("; Secure") == true, "\(login.headers)")

    // Plain HTTP to the HTTPS port gets no answer a client could mistake for the API's.
    let plain = try await run(
      "/usr/bin/curl",
      [
        "-s", "-o", "/dev/null", "-w", "%{http_code}",
        base.replacingOccurrences(of: "https", with: "http") + "/healthz",
      ],
      timeout: 30)
    #expect(plain.stdout == "000", "\(plain)")
    // A client that does not trust the federation CA refuses the certificate.
    let untrusted = try await run("/usr/bin/curl", ["-s", "-S", base + "/healthz"], timeout: 30)
    #expect(untrusted.status == 60, "\(untrusted)")
    // TLS 1.3 only, as between nodes.
    let port = String(base.split(separator: ":").last!)
    let old = try await run(
      "/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-brief"], timeout: 30)
    #expect(old.status != 0, "\(old)")
    #expect(try curl("GET", base + "/healthz", options: trusted).status == 200, "the node still serves")
  }

  @Test("an operator's own certificate for the API, both files or neither, checked before anything listens")
  func operatorCertificate() async throws {
    let federation = try TestFederation(label: "api-https-own", nodes: ["jjj"])
    let web = try federation.issue("jjj-console", hosts: ["127.0.0.1"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let half = try await jjj.cli("serve", "--api", "127.0.0.1:0", "--api-cert", web.certificate.path)
    #expect(half.failed(with: "config.api-certificate"), "\(half)")
    let wrongKey = try await jjj.cli(
      "serve", "--api", "127.0.0.1:0", "--api-cert", web.certificate.path, "--api-key",
      federation.files("jjj").key.path)
    #expect(wrongKey.failed(with: "config.api-certificate"), "\(wrongKey)")

    let base = try await jjj.serveAPI(
      https: true, extra: ["--api-cert", web.certificate.path, "--api-key", web.key.path])
    defer { _ = jjj.stop() }
    let health = try curl("GET", base + "/healthz", options: ["--cacert", federation.caURL.path])
    #expect(health.status == 200, "\(health)")
    let shown = try await run(
      "/usr/bin/openssl",
      ["s_client", "-connect", String(base.dropFirst("https://".count)), "-CAfile", federation.caURL.path],
      timeout: 30)
    #expect(
      shown.stdout.contains("CN = jjj-console") || shown.stdout.contains("CN=jjj-console"),
      "\(shown.stdout.prefix(1500))")
  }
}
