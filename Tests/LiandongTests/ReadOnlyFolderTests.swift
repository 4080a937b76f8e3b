import Foundation
import Testing

/// A data folder on a read-only disk (a mounted copy for an inspection, a disk remounted
/// read-only after errors): reading commands work, writing ones say why they cannot.
@Suite("A read-only data folder")
struct ReadOnlyFolderTests {
  /// Runs `liandong ARGUMENTS --data FOLDER` in a private mount namespace where the folder is
  /// bind-mounted read-only onto itself (root can write anything a permission bit forbids).
  func readOnly(_ node: NodeProcess, _ arguments: String...) throws -> ProcessResult {
    try readOnly(node, arguments)
  }

  @Test("status, lead list, lead show, history and verify read it; a write is refused as store.read-only")
  func readsWork() async throws {
    let federation = try TestFederation(label: "read-only", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead(subject: "某店")
    for arguments in [["status"], ["lead", "list"], ["lead", "show", lead], ["history", lead], ["verify"]] {
      let result = try readOnly(jjj, arguments)
      #expect(result.status == 0, "\(arguments): \(result)")
    }
    #expect(try readOnly(jjj, "lead", "list").stdout.contains("某店"))
    let write = try readOnly(
      jjj, "lead", "add", "--subject-name", "x", "--violation", "forged-report", "--summary", "s")
    #expect(write.failed(with: "store.read-only"), "\(write)")
    #expect(write.stderr.contains("\(jjj.data.path)/liandong.sqlite") && !write.stderr.contains("immutable"))
  }

  @Test(
    "a CRL put in a read-only folder, which would withhold changes, does not stop reading; the next writable command applies it"
  )
  func newCRLWhileReadOnly() async throws {
    let federation = try TestFederation(label: "read-only-crl", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let lead = try await yrd.addLead(subject: "某店", to: "all")
    try await yrd.carry(to: jjj)
    try federation.revoke("yrd")
    try federation.publishCRL()
    try FileManager.default.removeItem(at: jjj.data.appendingPathComponent("crl.pem"))
    try FileManager.default.copyItem(at: federation.crlURL, to: jjj.data.appendingPathComponent("crl.pem"))
    for arguments in [["status"], ["lead", "list"]] {
      let result = try readOnly(jjj, arguments)
      #expect(result.status == 0, "\(arguments): \(result)")
    }
    // Writable again: yrd's changes, which no other node witnessed before the revocation, are withheld.
    let shown = try await jjj.cli("lead", "show", lead)
    #expect(shown.failed(with: "object.withheld"), "\(shown)")
  }

  /// Runs `liandong ARGUMENTS --data FOLDER` in a private mount namespace where the folder is
  /// bind-mounted read-only onto itself (root can write anything a permission bit forbids).
  func readOnly(_ node: NodeProcess, _ arguments: [String]) throws -> ProcessResult {
    let script = "mount --bind -o ro \"$1\" \"$1\" && shift && exec \"$@\""
    return try run(
      "unshare",
      ["--mount", "--", "sh", "-c", script, "sh", node.data.path, liandongBinary.path]
        + arguments + ["--data", node.data.path],
      environment: ["LIANDONG_OFFICER": "inspector"])
  }
}
