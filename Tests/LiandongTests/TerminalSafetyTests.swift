import Foundation
import LiandongCore
import LiandongProtocol
import NIOCore
import Testing

@testable import liandong

/// Text from people and peers never reaches a terminal raw, and tables line up as a terminal
/// draws Chinese text.
@Suite("Text shown in a terminal")
struct TerminalSafetyTests {
  /// Scalars a terminal acts on instead of showing: C0 and C1 controls, DEL, line separators
  /// and bidirectional formatting. `\n` ends each printed line and is checked per line.
  static func hasActiveScalar(_ line: Substring) -> Bool {
    line.unicodeScalars.contains { VisibleText.needsEscape($0) }
  }

  static func printedSafely(_ output: String) -> Bool {
    output.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { !hasActiveScalar($0) }
  }

  @Test(
    "escapes controls and bidirectional overrides visibly, leaves Chinese and backslashes, and is idempotent")
  func escaping() {
    let hostile = "店\u{1B}[31m红\r覆盖\u{07}\n行\u{202E}txt.exe\u{0}\u{85}\\n"
    let shown = VisibleText.escaped(hostile)
    #expect(shown == "店\\u{1B}[31m红\\r覆盖\\u{7}\\n行\\u{202E}txt.exe\\u{0}\\u{85}\\n")
    #expect(VisibleText.escaped(shown) == shown)
    #expect(VisibleText.escaped("某检测服务店 e\u{301} 🙂") == "某检测服务店 e\u{301} 🙂")
  }

  @Test("display width: two columns for CJK and fullwidth, none for combining marks")
  func width() {
    #expect(TerminalText.width("abc") == 3)
    #expect(TerminalText.width("某检测服务店") == 12)
    #expect(TerminalText.width("ＡＢ，。") == 8)
    #expect(TerminalText.width("e\u{301}") == 1)
    #expect(TerminalText.width("🙂") == 2)
    #expect(TerminalText.padded("店铺", to: 6) == "店铺  ")
    let cut = TerminalText.prefix("一二三四五六", columns: 7)
    #expect(cut == "一二三…" && TerminalText.width(cut) <= 7)
    #expect(TerminalText.prefix("short", columns: 7) == "short")
  }

  @Test("lead list, show and history escape a hostile name and summary, and keep the table's columns")
  func hostileLead() async throws {
    let federation = try TestFederation(label: "terminal", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let name = "店\u{1B}]0;pwned\u{07}\u{1B}[2J铺\r"
    let summary = "fake report\u{1B}[31m\nSECOND LINE\u{202E}fdp.exe"
    let id = try await jjj.cli(
      "lead", "add", "--subject-name", name, "--violation", "forged-report", "--summary", summary, "--to",
      "all"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await jjj.cli(
      "lead", "add", "--subject-name", "某检测服务店", "--violation", "forged-report", "--summary", "s")
    try await jjj.carry(to: yrd)
    let list = try await yrd.cli("lead", "list")
    #expect(list.status == 0 && Self.printedSafely(list.stdout), "\(list)")
    #expect(list.stdout.contains("店\\u{1B}]0;pwned\\u{7}\\u{1B}[2J铺\\r"), "\(list)")
    #expect(!list.stdout.contains("SECOND LINE\n"), "a newline in a summary broke the table: \(list)")
    let show = try await yrd.cli("lead", "show", id)
    #expect(show.status == 0 && Self.printedSafely(show.stdout), "\(show)")
    #expect(show.stdout.contains("fake report\\u{1B}[31m\\nSECOND LINE\\u{202E}fdp.exe"), "\(show)")
    let history = try await yrd.cli("history", id)
    #expect(history.status == 0 && Self.printedSafely(history.stdout), "\(history)")
    // Stored as given: it is evidence, and JSON carries it exactly.
    let json = try JSONSerialization.jsonObject(
      with: Data(try await yrd.cli("lead", "show", id, "--json").stdout.utf8))
    #expect((json as? [String: Any])?["summary"] as? String == summary)

    // The last column (SUMMARY) starts at the same terminal column on every row, after a
    // Chinese subject name as after an escaped one.
    let table = try await jjj.cli("lead", "list").stdout
    let starts = ["SUMMARY", "fake report", " s\n"].map { marker -> Int? in
      guard let found = table.range(of: marker) else { return nil }
      let line =
        table[..<found.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
      return TerminalText.width(String(line)) + (marker.hasPrefix(" ") ? 1 : 0)
    }
    #expect(starts.allSatisfy { $0 != nil } && Set(starts).count == 1, "\(starts): \(table)")
  }

  @Test(
    "random Unicode through lead add, a sync and lead list and show: no active character reaches the terminal"
  )
  func randomUnicode() async throws {
    let seed = replayableSeed("randomUnicode")
    var random = SeededGenerator(seed: seed)
    let federation = try TestFederation(label: "unicode", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    var ids: [String] = []
    for _ in 0..<8 {
      let name = "店" + Self.randomText(&random, length: 12)
      // Begun with a letter, as the name is: a random summary beginning with '-' would be read
      // as an unknown option (a usage error, exit 2, one seed in about a hundred).
      let summary = "摘要" + Self.randomText(&random, length: 40)
      let added = try await jjj.cli(
        "lead", "add", "--subject-name", name, "--violation", "forged-report", "--summary", summary, "--to",
        "all")
      #expect(added.status == 0, "seed \(seed): \(added)")
      ids.append(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    try await jjj.carry(to: yrd)
    let commands: [[String]] = [["lead", "list"]] + ids.map { ["lead", "show", $0] }
    let outputs = try await commands.asyncMap { try await yrd.cli($0) }
    for output in outputs {
      #expect(output.status == 0 && Self.printedSafely(output.stdout), "seed \(seed): \(output)")
    }
  }

  /// Controls (but NUL, which no argument can hold), bidirectional formatting, combining marks,
  /// CJK, fullwidth forms, emoji and plain ASCII, mixed.
  static func randomText(_ random: inout SeededGenerator, length: Int) -> String {
    let pools: [ClosedRange<UInt32>] = [
      0x01...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x0300...0x036F, 0x4E00...0x9FFF,
      0xFF01...0xFF60, 0x1F600...0x1F64F, 0x20...0x7E, 0x2028...0x2029,
    ]
    var text = String.UnicodeScalarView()
    for _ in 0..<length {
      let pool = pools.randomElement(using: &random)!
      text.append(Unicode.Scalar(UInt32.random(in: pool, using: &random))!)
    }
    return String(text)
  }

  @Test("a peer's words in serve's log are escaped: no terminal sequence, forged line or bidi override")
  func peerTextInLog() async throws {
    let federation = try TestFederation(label: "log-escape", nodes: ["yrd", "evil"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await yrd.serve(interval: 60, extra: ["--log-level", "debug"])
    defer { _ = yrd.stop() }
    let words = "\u{1B}[31mred\n2026-12-02T00:00:00+0000 info liandong.yrd: forged line \u{202E}txt.exe"
    try await withRawSession(federation, port: yrd.port) { outbound, _ in
      try await outbound.write(
        ByteBuffer(bytes: FrameCoding.encode(.failure(code: "evil.code", message: words))))
    }
    #expect(await eventually(20) { yrd.log.contains("forged line") }, "\(yrd.log.suffix(2000))")
    #expect(yrd.log.contains("\\u{1B}[31mred\\n2026-12-02T00:00:00+0000 info"), "\(yrd.log.suffix(2000))")
    #expect(!yrd.log.contains("\u{1B}") && !yrd.log.contains("\u{202E}"))
    #expect(!yrd.log.split(separator: "\n").contains { $0.hasPrefix("2026-12-02T00:00:00+0000 info") })
  }
}
