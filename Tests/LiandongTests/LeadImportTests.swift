import Foundation
import Testing

@testable import LiandongCore

/// `liandong lead import`: the bulk path, its CSV rules and its refusals.
@Suite("Bulk lead import from CSV")
struct LeadImportTests {
  static let header =
    "subject_name,subject_uscc,platform,shop_id,violations,summary,risk\n"

  @Test("quoted cells keep commas, quotes and line breaks; bad rows are named by line and reason")
  func parsing() throws {
    let text =
      Self.header
      + "速通检测,91350100M000100Y43,,,forged-report,\"one-day reports, no sample\",high\n"
      + "\"某店 \"\"旗舰\"\"\",,某电商平台,88231,forged-report;misused-cma,\"line one\nline two\",\n"
      + "坏码,91350100M000100Y44,,,forged-report,bad check character,\n"
      + "某店,,,,counterfeit,unknown violation,\n"
      + "短行,,,forged-report\n"
      + "某店,,,,forged-report,,low\n"
    let (rows, errors) = try LeadImport.parse(text, seed: Data("n0".utf8))
    #expect(rows.map(\.line) == [2, 3])
    #expect(rows[0].fields.summary == "one-day reports, no sample" && rows[0].fields.risk == .high)
    #expect(rows[1].subject.name == "某店 \"旗舰\"" && rows[1].fields.summary == "line one\nline two")
    #expect(rows[1].fields.violations == [.forgedReport, .misusedCMA] && rows[1].subject.shopID == "88231")
    #expect(errors.map(\.line) == [5, 6, 7, 8], "\(errors)")
    #expect(errors[0].reason.contains("USCC") && errors[1].reason.contains("counterfeit"))
    #expect(errors[2].reason.contains("cells") && errors[3].reason.contains("summary"))
    // The same file and node give the same IDs, so a second run finds what the first recorded.
    let again = try LeadImport.parse(text, seed: Data("n0".utf8))
    #expect(again.rows.map(\.leadID) == rows.map(\.leadID))
    #expect(try LeadImport.parse(text, seed: Data("n1".utf8)).rows[0].leadID != rows[0].leadID)
  }

  @Test(
    "CRLF, CR and LF each end a row; a quoted line break counts a line; text after a closing quote is refused"
  )
  func lineEnds() throws {
    let text =
      "subject_name,violations,summary\r\n"
      + "甲店,forged-report,\"first\r\nsecond\"\r"
      + "乙店,forged-report,\"a \"\"quoted\"\" word\"\n"
      + "\r\n"
      + "丙店,forged-report,last row without a line end"
    let (rows, errors) = try LeadImport.parse(text, seed: Data())
    #expect(errors.isEmpty, "\(errors)")
    #expect(rows.map(\.line) == [2, 4, 6])
    #expect(
      rows.map(\.fields.summary) == ["first\r\nsecond", "a \"quoted\" word", "last row without a line end"])
    #expect(rows.map(\.subject.name) == ["甲店", "乙店", "丙店"])
    let junk = try #require(throws: CoreError.self) {
      try LeadImport.parse("subject_name,violations,summary\n\"店\"铺,forged-report,x\n", seed: Data())
    }
    #expect("\(junk)".contains("line 2") && "\(junk)".contains("铺"), "\(junk)")
  }

  @Test("a row's content key folds whitespace by the rule its IDs were first derived by")
  func spacingRule() {
    // The rule as first written; IDs of rows already imported were derived by it.
    func folds(_ value: String) -> Bool {
      value.unicodeScalars.contains { $0.properties.isWhitespace && $0 != " " } || value.contains("  ")
    }
    // Every scalar: the bytes are read as Unicode's property says; ASCII's whitespace is tab to
    // carriage return and space, and no other whitespace lies outside the blocks looked into.
    var disagreements: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let whitespace = scalar.properties.isWhitespace
      let read =
        value < 0x80 ? value == 0x20 || (0x09...0x0D).contains(value) : LeadImport.mayBeWhitespace(scalar)
      if whitespace != read && (value < 0x80 || whitespace) { disagreements.append(String(value, radix: 16)) }
      if value < 0x80 || LeadImport.mayBeWhitespace(scalar) {
        let text = "a" + String(scalar) + "b"
        if LeadImport.hasSpacingToFold(text) != folds(text) { disagreements.append(String(value, radix: 16)) }
      }
    }
    #expect(disagreements.isEmpty, "U+\(disagreements.prefix(20))")
    for value in [
      "", " ", "  ", "a b", "a  b", " a ", "甲\u{3000}乙", "甲 乙", "甲  乙", "a\tb", "a\r\nb", "a \u{301} b",
      "a  \u{301}b", "检测服务店12号", "a\u{A0}b", "a\u{2028}", "x \u{200B} y",
    ] {
      #expect(LeadImport.hasSpacingToFold(value) == folds(value), "\(value.debugDescription)")
    }
    // And the key a row gives: cells in name order, runs of whitespace made one space.
    #expect(
      LeadImport.contentKey(["summary": "one\r\n two", "subject_name": "甲店"])
        == "subject_name=甲店\u{1F}summary=one two")
  }

  @Test("an unknown column, a missing required one, or an unclosed quote refuses the whole file")
  func fileRefusals() throws {
    #expect(throws: CoreError.self) { try LeadImport.parse("subject_name,colour\n", seed: Data()) }
    #expect(throws: CoreError.self) { try LeadImport.parse("subject_name,summary\n", seed: Data()) }
    #expect(throws: CoreError.self) {
      try LeadImport.parse(Self.header + "a,,,,forged-report,\"never closed\n", seed: Data())
    }
  }

  @Test("a long file's rows come back in its order with their lines, refusals too, blank lines skipped")
  func orderInALongFile() throws {
    // Bad rows first, last and in runs, blank lines among them.
    let bad: Set<Int> = [0, 2_046, 2_047, 2_048, 4_095, 4_096, 6_999]
    let text =
      Self.header
      + (0..<7_000).map { index in
        let row = bad.contains(index) ? "店\(index),,,,counterfeit,bad,\n" : "店\(index),,,,forged-report,s,\n"
        return index % 1_000 == 500 ? row + ",,,,,,\n" : row
      }.joined()
    let (rows, errors) = try LeadImport.parse(text, seed: Data("n0".utf8))
    // Line of row `index`: the header, then one line per row and per blank line before it.
    let line = { (index: Int) in 2 + index + (index + 499) / 1_000 }
    #expect(errors.map(\.line) == bad.sorted().map(line))
    #expect(rows.map(\.line) == (0..<7_000).filter { !bad.contains($0) }.map(line))
    #expect(rows.map(\.subject.name) == (0..<7_000).filter { !bad.contains($0) }.map { "店\($0)" })
  }

  @Test("a file checked a stretch at a time gives the rows and refusals of the whole file, in order")
  func stretches() throws {
    let seed = UInt64.random(in: 0...UInt64.max)
    print("LeadImportTests.stretches seed \(seed)")
    var random = SeededGenerator(seed: seed)
    let text =
      Self.header
      + (0..<3_000).map { index in
        Int.random(in: 0..<50, using: &random) == 0
          ? (index % 2 == 0 ? "店\(index),,,,counterfeit,bad,\n" : ",,,,,,\n")
          : "店\(index),,,,forged-report,s,\n"
      }.joined()
    let whole = try LeadImport.parse(text, seed: Data("n0".utf8))
    let sheet = try LeadImport.Sheet(text, seed: Data("n0".utf8))
    var start = 0, rows: [LeadImport.Row] = [], errors: [LeadImport.RowError] = []
    while start < sheet.count {
      let end = min(sheet.count, start + Int.random(in: 1...700, using: &random))
      let (stretchRows, stretchErrors) = sheet.check(start..<end)
      rows += stretchRows
      errors += stretchErrors
      start = end
    }
    #expect(rows.map(\.line) == whole.rows.map(\.line), "seed \(seed)")
    #expect(rows.map(\.leadID) == whole.rows.map(\.leadID), "seed \(seed)")
    #expect(errors == whole.errors, "seed \(seed)")
    #expect(rows.count + errors.count < 3_000 && !errors.isEmpty, "seed \(seed)")
  }

  @Test("valid rows become changes of at most the leads asked for")
  func bounded() throws {
    let text = Self.header + (0..<25).map { "店\($0),,,,forged-report,summary \($0),\n" }.joined()
    let (rows, _) = try LeadImport.parse(text, seed: Data())
    let changes = LeadImport.changes(rows, leadsPerChange: 10)
    #expect(changes.map(\.count) == [20, 20, 10])
  }

  @Test("changes are written whole, about twenty thousand leads to a transaction")
  func transactions() throws {
    #expect(LeadImport.leadsPerTransaction == 20_000)
    let text = Self.header + (0..<45_000).map { "店\($0),,,,forged-report,summary \($0),\n" }.joined()
    let (rows, _) = try LeadImport.parse(text, seed: Data())
    let changes = LeadImport.changes(rows, leadsPerChange: 3_000, maximumBytes: .max)
    let groups = LeadImport.transactions(changes)
    #expect(
      groups.map { $0.map { $0.count / 2 } } == [
        Array(repeating: 3_000, count: 6), Array(repeating: 3_000, count: 6), [3_000, 3_000, 3_000],
      ])
    #expect(groups.flatMap { $0 }.map(\.count) == changes.map(\.count))
    // Four changes of the largest size --per-change allows fill a transaction.
    let large = LeadImport.changes(rows, leadsPerChange: 5_000, maximumBytes: .max)
    #expect(LeadImport.transactions(large).map(\.count) == [4, 4, 1])
  }

  /// A fresh node `jjj` of its own federation, and a file `leads.csv` holding `csv`.
  static func node(_ label: String, csv: String) async throws -> (NodeProcess, URL) {
    let jjj = try await NodeProcess("jjj", federation: try TestFederation(label: label, nodes: ["jjj"]))
    let file = temporaryDirectory("import").appendingPathComponent("leads.csv")
    try csv.write(to: file, atomically: true, encoding: .utf8)
    return (jjj, file)
  }

  @Test(
    "the command imports the valid rows, reports the others with line numbers, exits 2, and a re-run adds nothing"
  )
  func command() async throws {
    let (jjj, file) = try await Self.node(
      "import",
      csv: Self.header + (0..<7).map { "店\($0),,,,forged-report,summary \($0),\n" }.joined()
        + "坏码,91350100M000100Y44,,,forged-report,bad,\n")
    let checked = try await jjj.cli("lead", "import", file.path, "--check")
    #expect(checked.status == 2 && checked.stdout.contains("7 rows valid, 1 refused"), "\(checked)")
    #expect(try await jjj.cli("lead", "list").stdout.contains("no leads yet"))
    let first = try await jjj.cli("lead", "import", file.path, "--to", "all", "--per-change", "3")
    #expect(first.status == 2 && first.stderr.contains("leads.csv:9: not imported"), "\(first)")
    #expect(first.stdout.contains("imported 7 leads in 3 changes"), "\(first)")
    let second = try await jjj.cli("lead", "import", file.path, "--to", "all", "--json")
    #expect(second.stdout.contains("\"alreadyImported\" : 7") && second.stdout.contains("\"imported\" : 0"))
    #expect(try await jjj.cli("verify").status == 0)
    let leads = try JSONSerialization.jsonObject(
      with: Data(try await jjj.cli("lead", "list", "--json").stdout.utf8))
    #expect((leads as? [Any])?.count == 7)
    let missing = try await jjj.cli("lead", "import", "/nonexistent.csv")
    #expect(missing.status != 0 && missing.stderr.contains("/nonexistent.csv"))
  }

  @Test(
    "a file longer than one transaction's stretch: every stretch is written, refusals on both sides of its edge named up to fifty"
  )
  func commandAcrossStretches() async throws {
    let stretch = LeadImport.leadsPerTransaction
    // Thirty refused rows at the end of the first stretch, thirty at the start of the second;
    // row `index` is on line `index + 2`, below the header.
    let bad = Set(stretch - 30..<stretch + 30)
    let rows = (0..<stretch + 50).map { index in
      bad.contains(index) ? "店\(index),,,,counterfeit,bad,\n" : "店\(index),,,,forged-report,s \(index),\n"
    }
    let (jjj, file) = try await Self.node("import-stretches", csv: Self.header + rows.joined())
    let imported = try await jjj.cli("lead", "import", file.path, "--to", "all", "--per-change", "5000")
    #expect(imported.status == 2, "\(imported)")
    #expect(imported.stdout.contains("imported \(stretch - 10) leads in "), "\(imported)")
    let named = imported.stderr.split(separator: "\n").filter { $0.contains(": not imported: ") }
    #expect(named.count == 50, "\(imported)")
    #expect(named.first?.hasPrefix("\(file.path):\(stretch - 28): ") == true, "\(imported)")
    #expect(named.last?.hasPrefix("\(file.path):\(stretch + 21): ") == true, "\(imported)")
    #expect(imported.stderr.contains("... and 10 more rows not imported"), "\(imported)")
    let status = try await jjj.cli("status", "--json")
    #expect(status.stdout.contains("\"leads\" : \(stretch - 10)"), "\(status)")
    let again = try await jjj.cli("lead", "import", file.path, "--to", "all", "--json")
    #expect(again.stdout.contains("\"alreadyImported\" : \(stretch - 10)"), "\(again)")
    #expect(again.stdout.contains("\"imported\" : 0") && again.stdout.contains("\"rows\" : \(stretch + 50)"))
  }

  @Test(
    "the same rows saved with a BOM, CRLF, other spacing and column order, or one row more, import only what is new"
  )
  func sameRowsAnotherFile() async throws {
    let rows = (0..<4).map { "店\($0),,,,forged-report,summary \($0),high\n" }
    let (jjj, file) = try await Self.node("import-same", csv: Self.header + rows.joined())
    #expect(try await jjj.cli("lead", "import", file.path).stdout.contains("imported 4 leads"))

    let resaved = file.deletingLastPathComponent().appendingPathComponent("resaved.csv")
    let reordered =
      "\u{FEFF}summary,risk,violations,subject_name\r\n"
      + (0..<4).reversed().map { "\"summary  \($0)\",high,forged-report, 店\($0) \r\n" }.joined()
      + "summary 4,high,forged-report,店4\r\n" + "summary 4,high,forged-report,店4\r\n"
    try reordered.write(to: resaved, atomically: true, encoding: .utf8)
    let again = try await jjj.cli("lead", "import", resaved.path, "--json")
    #expect(again.status == 0, "\(again)")
    #expect(
      again.stdout.contains("\"imported\" : 1") && again.stdout.contains("\"alreadyImported\" : 5"),
      "four rows held already, and one repeated in the file: \(again)")
    let leads = try JSONSerialization.jsonObject(
      with: Data(try await jjj.cli("lead", "list", "--json").stdout.utf8))
    #expect((leads as? [Any])?.count == 5)
  }

  @Test("GB18030 (GBK) from Excel is detected or named with --encoding; a wrong choice says what to do")
  func gb18030() async throws {
    let csv = "subject_name,violations,summary\n速通检测服务店,forged-report,出具虚假检验报告\n"
    let (jjj, utf8File) = try await Self.node("import-gbk", csv: csv)
    let gbkFile = utf8File.deletingLastPathComponent().appendingPathComponent("excel.csv")
    let converted = try await run(
      "iconv", ["-f", "UTF-8", "-t", "GB18030", utf8File.path, "-o", gbkFile.path])
    #expect(converted.status == 0, "\(converted)")
    #expect(String(data: try Data(contentsOf: gbkFile), encoding: .utf8) == nil, "the file is not UTF-8")

    let forcedUTF8 = try await jjj.cli("lead", "import", gbkFile.path, "--encoding", "utf-8")
    #expect(forcedUTF8.failed(with: "import.not-utf8") && forcedUTF8.stderr.contains("--encoding gb18030"))
    let detected = try await jjj.cli("lead", "import", gbkFile.path)
    #expect(
      detected.status == 0 && detected.stdout.contains("read as gb18030; imported 1 leads"), "\(detected)")
    let shown = try await jjj.cli("lead", "list")
    #expect(shown.stdout.contains("速通检测服务店") && shown.stdout.contains("出具虚假检验报告"), "\(shown)")
    // The same rows in UTF-8 are the same leads.
    let same = try await jjj.cli("lead", "import", utf8File.path)
    #expect(same.stdout.contains("imported 0 leads") && same.stdout.contains("1 already imported"), "\(same)")
    let named = try await jjj.cli("lead", "import", gbkFile.path, "--encoding", "gbk", "--check")
    #expect(named.status == 0 && named.stdout.contains("read as gbk"), "\(named)")
    let unknown = try await jjj.cli("lead", "import", gbkFile.path, "--encoding", "latin1")
    #expect(unknown.failed(with: "input.value") && unknown.stderr.contains("gb18030"), "\(unknown)")
  }

  @Test("a header that names a column twice refuses the file")
  func duplicateColumn() async throws {
    let error = try #require(throws: CoreError.self) {
      try LeadImport.parse("subject_name,violations,summary,Summary\n店,forged-report,a,b\n", seed: Data())
    }
    #expect(error.code == "import.duplicate-column" && "\(error)".contains("summary"), "\(error)")
    let (jjj, file) = try await Self.node(
      "import-twice", csv: "subject_name,violations,summary,summary\n店,forged-report,a,b\n")
    #expect(try await jjj.cli("lead", "import", file.path).failed(with: "import.duplicate-column"))
  }
}
