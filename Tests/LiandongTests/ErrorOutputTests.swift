import Foundation
import LiandongApp
import LiandongErrors
import LiandongTesting
import Testing

/// What a person sees when something below the application fails: a code, a plain message, a
/// hint, and the category's exit status; never the text of Foundation, SQLite or NIO.
@Suite("Errors reach a person as codes and plain words", .serialized)
struct ErrorOutputTests {
  static let rawText = ["NSCocoaErrorDomain", "SQLite error", "bind(descriptor", "Error Domain=", "errno:"]

  /// The command failed with `code`, the exit status of its category and a hint, in plain words.
  static func expectFailure(
    _ result: ProcessResult, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let status = ErrorCatalogue.entry(for: code)?.category.exitStatus
    #expect(status != nil, "\(code) is not in the table", sourceLocation: sourceLocation)
    #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("error[\(code)]: "), "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("\nhint: "), "\(result)", sourceLocation: sourceLocation)
    for raw in rawText {
      #expect(
        !(result.stdout + result.stderr).contains(raw), "raw '\(raw)': \(result)",
        sourceLocation: sourceLocation)
    }
  }

  @Test("a damaged database, a missing file, a busy port and a peer that is down")
  func systemFailures() async throws {
    let federation = try TestFederation(label: "error-output", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)

    let missing = temporaryDirectory("error-output").appendingPathComponent("absent.bin").path
    Self.expectFailure(try await jjj.cli("changes", "import", missing), "input.file")
    Self.expectFailure(try await jjj.cli("due", "--calendar", missing), "calendar.unreadable")
    let fresh = temporaryDirectory("error-output").appendingPathComponent("new").path
    Self.expectFailure(
      try await run(
        liandongBinary.path,
        ["init", "--data", fresh, "--node", "jjj", "--ca", missing, "--cert", missing, "--key", missing]),
      "input.file")

    // Another process holds the port.
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60)
    defer { _ = yrd.stop() }
    let busy = try await jjj.cli("serve", "--listen", "127.0.0.1:\(yrd.port)")
    Self.expectFailure(busy, "net.cannot-listen")
    #expect(busy.stderr.contains("address already in use"), "\(busy)")

    // A peer that nothing answers for.
    let closed = yrd.port  // stop yrd, and its port answers no more
    _ = yrd.stop()
    try await jjj.cli("peer", "add", "yrd", "127.0.0.1:\(closed)")
    let down = try await jjj.cli("sync", "yrd")
    Self.expectFailure(down, "sync.unreachable")
    #expect(down.stderr.contains("connection refused"), "\(down)")

    // A file of the node's own that cannot be read, or replaced.
    let crl = jjj.data.appendingPathComponent("crl.pem")
    let saved = try Data(contentsOf: crl)
    try FileManager.default.removeItem(at: crl)
    try FileManager.default.createDirectory(at: crl, withIntermediateDirectories: false)
    Self.expectFailure(try await jjj.cli("lead", "list"), "node.unreadable-file")
    try FileManager.default.removeItem(at: crl)
    try saved.write(to: crl)
    if try await run("/usr/bin/chattr", ["+i", crl.path]).status == 0 {
      defer { _ = try? run("/usr/bin/chattr", ["-i", crl.path]) }
      let locked = try await jjj.cli("crl", "install", federation.crlURL.path)
      Self.expectFailure(locked, "node.unwritable-file")
      #expect(locked.stderr.contains("crl.pem"), "\(locked)")
    }

    // The database file is overwritten with something else.
    let database = jjj.data.appendingPathComponent("liandong.sqlite")
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
    try Data(repeating: 0x5a, count: 8192).write(to: database)
    let damaged = try await jjj.cli("lead", "list")
    Self.expectFailure(damaged, "store.damaged")
    #expect(damaged.stderr.contains("liandong restore"), "the hint says how to recover: \(damaged)")
  }

  @Test("an act the rules refuse exits with its category, and the code is the reducer's")
  func refusedActs() async throws {
    let federation = try TestFederation(label: "error-acts", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", "s", "--to", "yrd"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await jjj.carry(to: yrd)
    // yrd does not own the lead: refused before signing, with the reducer's own code.
    Self.expectFailure(try await yrd.cli("lead", "edit", lead, "--risk", "high"), "op.not-owner")
    Self.expectFailure(
      try await yrd.cli("handoff", "offer", lead, "--to", "jjj", "--letter", "x"), "op.not-owner")
    // jjj acknowledging its own lead: signed, refused by the reducer, reported with its code.
    Self.expectFailure(try await jjj.cli("lead", "acknowledge", lead), "op.not-receiver")
    Self.expectFailure(
      try await jjj.cli("lead", "show", "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11"), "object.not-found")
    Self.expectFailure(try await jjj.cli("lead", "edit", lead), "usage.nothing-to-change")
    Self.expectFailure(try await run(liandongBinary.path, ["errors", "no.such-code"]), "usage.unknown-code")
  }

  @Test("an error that is not coded becomes internal.unexpected, its raw text only with LIANDONG_DEBUG")
  func uncodedErrorsAreWrapped() {
    struct Strange: Error {}
    let failure = Failure(Strange())
    #expect(failure.code == "internal.unexpected" && failure.category == .internal)
    #expect(!failure.message.contains("Strange()"))
    let missing = Failure(CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/nowhere/x.pem"]))
    #expect(missing.code == "file.unreadable" && missing.category == .invalidInput, "\(missing)")
    #expect(missing.message == "/nowhere/x.pem: no such file or directory", "\(missing.message)")
    #expect(!missing.message.contains("NSCocoaErrorDomain"))
  }
}

/// Mistakes a person makes on the command line: each is refused before anything is written, with
/// its own code, its category's exit status and a hint.
@Suite("Command-line mistakes are refused with their codes")
struct CommandLineMistakeTests {
  @Test("options, identifiers, files and settings that cannot be used")
  func mistakes() async throws {
    let federation = try TestFederation(label: "mistakes", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let folder = temporaryDirectory("mistakes")
    let missing = folder.appendingPathComponent("absent").path
    let lead = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "no-ccc", "--summary", "s"
    )
    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let latin1 = folder.appendingPathComponent("latin1.csv")
    try Data([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xe9, 0xff, 0x0a]).write(to: latin1)
    let cases: [(arguments: [String], code: String)] = [
      (["sync", "--all", "--batch-bytes", "1"], "usage.batch-bytes"),
      (["sync", "--all"], "usage.no-peers"),
      (["sync", "--all", "yrd"], "usage.peers"),
      (["peer", "add", "jjj", "127.0.0.1:7420"], "usage.self-peer"),
      (["peer", "add", "yrd", "nowhere"], "input.address"),
      (["report", "--from", "2026-01-01", "--to", "2026-06-30", "--format", "xml"], "usage.format"),
      (["evidence", "add", lead, missing, "--category", "physical"], "usage.no-such-file"),
      (
        ["evidence", "add", "0b7f2a44-3c1d-4e55-9a51-3f1f0c2d9e11", latin1.path, "--category", "physical"],
        "usage.no-audience"
      ),
      (["lead", "import", latin1.path, "--per-change", "0"], "usage.per-change"),
      (["lead", "import", latin1.path], "import.not-utf8"),
      (["lead", "import", latin1.path, "--encoding", "gb18030"], "import.not-gb18030"),
      (
        [
          "lead", "add", "--subject-name", "x", "--subject-division", "012345", "--violation", "other",
          "--summary", "s",
        ],
        "input.division-code"
      ),
      (["lead", "show", "not-a-uuid"], "input.object-id"),
      (["handoff", "designate", lead, "--to", "yrd", "--reason", "r"], "handoff.no-manifest"),
      (["crl", "install", missing], "crl.unreadable"),
      (["cert", "rotate", "--cert", missing, "--key", missing], "cert.unreadable"),
      (["federation", "install", missing, "--signature", missing], "manifest.unreadable"),
      (["serve", "--interval", "0"], "config.interval"),
      (["serve", "--allow", "NOT A NODE"], "config.allow"),
      (["due", "--within", "-1"], "usage.within"),
      (["due", "--today", "2026-02-30"], "input.date"),
      (["due", "--today", "2026-3-1"], "input.date"),
      (
        [
          "evidence", "add", lead, latin1.path, "--category", "electronic-data", "--how-fixed", "screenshot",
          "--captured-at", "2099-11-20T14:05:00+08:00",
        ],
        "input.date-in-future"
      ),
      (["lead", "list", "--colour", "red"], "usage.arguments"),
      (["due", "--within"], "usage.arguments"),
    ]
    for (arguments, code) in cases {
      ErrorOutputTests.expectFailure(try await jjj.cli(arguments), code)
    }
    try await jjj.cli("peer", "add", "yrd", "yrd.example.org:7420")
    ErrorOutputTests.expectFailure(
      try await jjj.cli(
        "request", "send", "--to", "yrd", "--case", "c-1", "--legal-basis", "Art. 45", "--task", "interview",
        "--wanted-by", "2020-01-01"),
      "input.date-passed")
    #expect(
      try await jjj.cli("lead", "list").stdout.split(separator: "\n").count == 2, "nothing else was written")

    // node.json that is not JSON names the file and says what is wrong with it.
    try Data("{ \"node\": 7 }".utf8).write(to: jjj.data.appendingPathComponent("node.json"))
    let bad = try await jjj.cli("status")
    ErrorOutputTests.expectFailure(bad, "node.bad-config")
    #expect(bad.stderr.contains("node should be a string"), "\(bad)")
  }

  @Test("a usage mistake names the command's help, in the form of every other error")
  func usageMistakes() throws {
    let unknown = try run(liandongBinary.path, ["due", "--colour", "red"])
    #expect(unknown.failed(with: "usage.arguments") && unknown.stderr.contains("--colour"), "\(unknown)")
    #expect(unknown.stderr.contains("hint: Run 'liandong due --help'"), "\(unknown)")
    #expect(!unknown.stderr.contains("Error:"), "ArgumentParser's own form: \(unknown)")
    let help = try run(liandongBinary.path, ["due", "--help"])
    #expect(help.status == 0 && help.stdout.contains("--within"), "\(help)")
  }

  @Test("liandong-pki --help prints its help and exits 0; a mistake says what was wrong")
  func pkiHelp() throws {
    let script = repositoryRoot.appendingPathComponent("Deploy/pki/liandong-pki").path
    let help = try run(script, ["--help"])
    #expect(help.status == 0 && help.stdout.contains("liandong-pki issue"), "\(help)")
    #expect(!help.stdout.contains("set -euo"), "its own source leaked into the help: \(help)")
    let wrong = try run(script, ["bogus", temporaryDirectory("pki-bogus").path])
    #expect(wrong.status == 2 && wrong.stderr.contains("unknown command 'bogus'"), "\(wrong)")
  }
}
